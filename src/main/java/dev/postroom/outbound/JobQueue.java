package dev.postroom.outbound;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import java.util.UUID;

/**
 * The delivery queue's producer side: job ids go out on the {@code email-jobs-out} channel (a Redis list, see
 * application.properties); the {@link DeliveryWorker}s take them from {@code email-jobs}.
 */
@ApplicationScoped
public class JobQueue {

    private final MutinyEmitter<String> jobs;

    public JobQueue(@Channel("email-jobs-out") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 4096)
            MutinyEmitter<String> jobs) {
        this.jobs = jobs;
    }

    /** Completes once Redis holds the job; fails when it can't be reached. */
    public Uni<Void> enqueue(UUID emailId) {
        return jobs.send(emailId.toString());
    }
}

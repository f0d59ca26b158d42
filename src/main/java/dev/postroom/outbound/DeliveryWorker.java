package dev.postroom.outbound;

import dev.postroom.outbound.EmailLogRepository.Job;
import dev.postroom.outbound.EmailLogRepository.Outcome;
import io.quarkus.mailer.Mail;
import io.quarkus.mailer.reactive.ReactiveMailer;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Delivers queued emails: claims the job in PostgreSQL (so that it is sent once even if two consumers got it), sends
 * it over SMTP and records the outcome. Transient failures are retried with exponential backoff and jitter until
 * {@code max-attempts}; permanent ones fail at once.
 *
 * <p>Runs {@code postroom.outbound.delivery.concurrency} deliveries at once: the channel's concurrency setting gives
 * each its own consumer loop. The job's message is acknowledged when this method's Uni completes, and handed back to
 * the queue when it fails (PostgreSQL unreachable), after a pause that keeps an outage from spinning.
 */
@ApplicationScoped
public class DeliveryWorker {

    private static final Logger LOG = Logger.getLogger(DeliveryWorker.class);
    private static final Duration PAUSE_AFTER_STORE_FAILURE = Duration.ofSeconds(1);

    private final EmailLogRepository log;
    private final ReactiveMailer mailer;
    private final OutboundConfig.Delivery config;
    private final DeliveryEvents events;

    public DeliveryWorker(EmailLogRepository log, ReactiveMailer mailer, OutboundConfig config, DeliveryEvents events) {
        this.log = log;
        this.mailer = mailer;
        this.config = config.delivery();
        this.events = events;
    }

    @Incoming("email-jobs")
    public Uni<Void> deliver(String jobId) {
        UUID id;
        try {
            id = UUID.fromString(jobId);
        } catch (IllegalArgumentException e) {
            LOG.warnf("dropping malformed job '%s' from the queue", jobId);
            return Uni.createFrom().voidItem();
        }
        return log.claim(id, config.sendLease())
                .chain(claimed -> claimed.map(this::attempt).orElseGet(() -> {
                    // Already sent, failed, being sent by someone else, or its row was taken back: nothing to do.
                    LOG.debugf("job %s not claimable; dropping this copy", id);
                    return Uni.createFrom().voidItem();
                }))
                .onFailure().call(failure -> {
                    LOG.warnf("job %s: the delivery log is unreachable (%s); handing the job back", id, failure.getMessage());
                    return Uni.createFrom().voidItem().onItem().delayIt().by(PAUSE_AFTER_STORE_FAILURE);
                });
    }

    private Uni<Void> attempt(Job job) {
        events.changed(job.sending());
        Instant startedAt = Instant.now();
        return mailer.send(mail(job.email()))
                .ifNoItem().after(config.smtpTimeout()).fail()
                .map(sent -> Outcome.sent())
                .onFailure().recoverWithItem(failure -> outcomeOf(job, SmtpFailure.of(failure)))
                .call(outcome -> log.recordOutcome(job, startedAt, outcome)
                        .invoke(recorded -> recorded.ifPresent(events::changed)))
                .invoke(outcome -> logOutcome(job, outcome))
                .replaceWithVoid();
    }

    private Outcome outcomeOf(Job job, SmtpFailure failure) {
        if (failure.permanent() || job.attempt() >= config.maxAttempts()) {
            return new Outcome(EmailStatus.FAILED, Duration.ZERO, failure.code(), failure.message());
        }
        return new Outcome(EmailStatus.RETRYING, backoff(job.attempt()), failure.code(), failure.message());
    }

    /** initialBackoff * 2^(attempt-1), capped, then scaled by a random factor in [0.5, 1) so retries spread out. */
    Duration backoff(int attempt) {
        long initial = config.initialBackoff().toMillis();
        long capped = Math.min(config.maxBackoff().toMillis(), initial << Math.min(attempt - 1, 30));
        return Duration.ofMillis((long) (capped * (0.5 + ThreadLocalRandom.current().nextDouble() / 2)));
    }

    private static Mail mail(OutgoingEmail email) {
        Mail mail = new Mail()
                .setSubject(email.subject())
                .setText(email.text())
                .setHtml(email.html());
        email.to().forEach(address -> mail.addTo(address.toString()));
        email.cc().forEach(address -> mail.addCc(address.toString()));
        email.bcc().forEach(address -> mail.addBcc(address.toString()));
        if (email.from() != null) {
            mail.setFrom(email.from().toString());
        }
        if (email.replyTo() != null) {
            mail.setReplyTo(email.replyTo().toString());
        }
        return mail;
    }

    private static void logOutcome(Job job, Outcome outcome) {
        // The request id of POST /send follows the job, so one search finds both ends of an email's life.
        MDC.put("requestId", job.requestId() == null ? "" : job.requestId());
        try {
            switch (outcome.status()) {
                case SENT -> LOG.debugf("email %s sent (attempt %d)", job.id(), job.attempt());
                case RETRYING -> LOG.infof("email %s attempt %d failed (%s %s); retrying in %s", job.id(), job.attempt(),
                        outcome.smtpCode(), outcome.message(), outcome.retryIn());
                default -> LOG.warnf("email %s failed for good after attempt %d: %s %s", job.id(), job.attempt(),
                        outcome.smtpCode(), outcome.message());
            }
        } finally {
            MDC.remove("requestId");
        }
    }
}

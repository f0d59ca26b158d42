package dev.postroom.web;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * One structured log line per HTTP request: request id, method, path, status, latency and client, as MDC fields
 * (JSON logging turns them into fields). Never bodies, query strings or headers, so no secrets.
 *
 * <p>The request id comes from the client's {@code X-Request-Id} when it is sane, else it is made here. It is put
 * back on the request (resources read it from there and store it with the email, so the worker's log lines carry
 * it too) and returned in the response.
 */
@ApplicationScoped
public class RequestLog {

    public static final String HEADER = "X-Request-Id";
    private static final Logger LOG = Logger.getLogger("dev.postroom.http");
    private static final Pattern SANE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    @ConfigProperty(name = "postroom.http.request-log", defaultValue = "true")
    boolean enabled;

    void register(@Observes Filters filters) {
        filters.register(context -> {
            long start = System.nanoTime();
            HttpServerRequest request = context.request();
            String given = request.getHeader(HEADER);
            String requestId = given != null && SANE_ID.matcher(given).matches() ? given : UUID.randomUUID().toString();
            request.headers().set(HEADER, requestId);
            context.response().putHeader(HEADER, requestId);
            if (enabled) {
                context.addEndHandler(ignored -> {
                    MDC.put("requestId", requestId);
                    MDC.put("method", request.method().name());
                    MDC.put("path", request.path());
                    MDC.put("status", String.valueOf(context.response().getStatusCode()));
                    MDC.put("latencyMs", String.format("%.2f", (System.nanoTime() - start) / 1e6));
                    MDC.put("client", String.valueOf(request.remoteAddress()));
                    try {
                        // The simulator stands in for Microsoft's servers: its traffic (the sync engine's delta
                        // requests) would drown the app's own lines, so it is logged at DEBUG only.
                        Logger.Level level = request.path().startsWith("/simulator/") ? Logger.Level.DEBUG : Logger.Level.INFO;
                        LOG.logf(level, "%s %s %d %.2f ms", request.method().name(), request.path(),
                                context.response().getStatusCode(), (System.nanoTime() - start) / 1e6);
                    } finally {
                        MDC.clear();
                    }
                });
            }
            context.next();
        }, 1000);
    }
}

package dev.postroom.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The door of every {@code /simulator} path, in front of the HTTP resources. When the simulator is off, every such
 * path answers 404 (a run-time switch, so one build serves both). For Graph paths it authenticates the bearer token
 * and applies the mailbox's throttling and injected faults, counting the request as in flight until its answer is
 * done, so concurrency is measured the way Graph does: from arrival to the end of the response. Injected latency is
 * added by the resources themselves ({@link GraphCaller}), on worker threads, never on the event loop.
 */
@ApplicationScoped
class SimulatorGate {

    static final String PREFIX = "/simulator";
    static final String GRAPH = "/simulator/graph/";

    private final SimulatorConfig config;
    private final LoginService login;
    private final Throttle throttle;
    private final ObjectMapper json;

    SimulatorGate(SimulatorConfig config, LoginService login, Throttle throttle, ObjectMapper json) {
        this.config = config;
        this.login = login;
        this.throttle = throttle;
        this.json = json;
    }

    void register(@Observes Filters filters) {
        // After the request log (1000), so refused requests are logged too.
        filters.register(this::filter, 900);
    }

    private void filter(RoutingContext context) {
        String path = context.request().path();
        if (path == null || !path.startsWith(PREFIX)
                || (path.length() > PREFIX.length() && path.charAt(PREFIX.length()) != '/')) {
            context.next();
            return;
        }
        if (!config.enabled()) {
            context.response().setStatusCode(404).putHeader("Content-Type", "text/plain").end("Not Found");
            return;
        }
        if (!path.startsWith(GRAPH)) {
            context.next();
            return;
        }
        LoginService.AccessGrant grant;
        try {
            grant = login.authenticate(bearer(context.request().getHeader("Authorization")));
        } catch (GraphException e) {
            refuse(context, e);
            return;
        }
        String mailboxId = grant.mailboxId();
        Throttle.Decision decision = throttle.admit(mailboxId);
        if (!decision.admitted()) {
            refuse(context, decision.refusal());
            return;
        }
        context.addEndHandler(ignored -> throttle.release(mailboxId));
        context.next();
    }

    private void refuse(RoutingContext context, GraphException e) {
        String body;
        try {
            body = json.writeValueAsString(GraphJson.error(e));
        } catch (JsonProcessingException impossible) {
            body = "{\"error\":{\"code\":\"" + e.code() + "\"}}";
        }
        var response = context.response().setStatusCode(e.status()).putHeader("Content-Type", "application/json");
        e.headers().forEach(response::putHeader);
        response.end(body);
    }

    static String bearer(String header) {
        return header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).strip() : null;
    }
}

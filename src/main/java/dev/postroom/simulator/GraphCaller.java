package dev.postroom.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * What every Graph resource does first: find the mailbox of the bearer token (the gate has checked it already and
 * counted the request) and wait out the mailbox's injected latency, on the worker thread the request runs on.
 */
@ApplicationScoped
class GraphCaller {

    private final LoginService login;
    private final MailboxRegistry mailboxes;
    private final Throttle throttle;
    private final ObjectMapper json;

    GraphCaller(LoginService login, MailboxRegistry mailboxes, Throttle throttle, ObjectMapper json) {
        this.login = login;
        this.mailboxes = mailboxes;
        this.throttle = throttle;
        this.json = json;
    }

    SimMailbox mailbox(String authorization) {
        LoginService.AccessGrant grant = login.authenticate(SimulatorGate.bearer(authorization));
        SimMailbox mailbox = mailboxes.byId(grant.mailboxId())
                .orElseThrow(() -> new GraphException(401, "InvalidAuthenticationToken", "The mailbox of this token is gone."));
        Duration latency = throttle.faults(mailbox.id()).latency();
        if (!latency.isZero()) {
            try {
                Thread.sleep(latency);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return mailbox;
    }

    /** A JSON request body, or 400 as Graph answers unreadable ones. */
    JsonNode body(String text) {
        if (text == null || text.isBlank()) {
            throw new GraphException(400, "BadRequest", "Empty Payload. JSON content expected.");
        }
        try {
            JsonNode node = json.readTree(text);
            if (node == null || !node.isObject()) {
                throw new GraphException(400, "BadRequest", "Unable to read JSON request payload: an object is expected.");
            }
            return node;
        } catch (IOException e) {
            throw new GraphException(400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.");
        }
    }

    /** {@code Prefer: odata.maxpagesize=N} (any of several Prefer headers or comma-separated preferences), else null. */
    static Integer maxPageSize(List<String> prefer) {
        if (prefer == null) {
            return null;
        }
        for (String header : prefer) {
            for (String preference : header.split(",")) {
                String value = preference.strip();
                if (value.regionMatches(true, 0, "odata.maxpagesize=", 0, 18)) {
                    try {
                        return Integer.parseInt(value.substring(18).strip());
                    } catch (NumberFormatException e) {
                        throw GraphException.badRequest("odata.maxpagesize must be a number");
                    }
                }
            }
        }
        return null;
    }
}

package dev.postroom.simulator;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * An error of the token endpoint, answered like the Microsoft identity platform:
 * {@code 400 {"error":"invalid_grant","error_description":"AADSTS501481: ...","error_codes":[501481],...}}.
 * The AADSTS numbers follow Microsoft's where the simulator knows them; clients should act on {@code error}.
 */
public class OAuthException extends RuntimeException {

    private final int status;
    private final String error;
    private final int aadsts;

    OAuthException(String error, int aadsts, String description) {
        this(400, error, aadsts, description);
    }

    OAuthException(int status, String error, int aadsts, String description) {
        super("AADSTS" + aadsts + ": " + description);
        this.status = status;
        this.error = error;
        this.aadsts = aadsts;
    }

    int status() {
        return status;
    }

    String error() {
        return error;
    }

    /** {@code "AADSTS501481: The Code_Verifier does not match ..."}. */
    String description() {
        return getMessage();
    }

    Map<String, Object> body() {
        Map<String, Object> body = new LinkedHashMap<>();
        String traceId = UUID.randomUUID().toString();
        body.put("error", error);
        body.put("error_description", description() + " Trace ID: " + traceId + " Timestamp: " + Instant.now());
        body.put("error_codes", List.of(aadsts));
        body.put("timestamp", Instant.now().toString());
        body.put("trace_id", traceId);
        body.put("correlation_id", UUID.randomUUID().toString());
        return body;
    }
}

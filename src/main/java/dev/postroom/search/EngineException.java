package dev.postroom.search;

import com.fasterxml.jackson.databind.JsonNode;

/** Elasticsearch/OpenSearch refused a request; the message carries the engine's error type and reason. */
public class EngineException extends RuntimeException {

    private final int status;
    private final transient JsonNode body;

    public EngineException(String call, int status, JsonNode body) {
        super(call + " answered " + status + ": " + describe(body));
        this.status = status;
        this.body = body;
    }

    public EngineException(String message) {
        super(message);
        this.status = 0;
        this.body = null;
    }

    public int status() {
        return status;
    }

    /** The engine's error type, e.g. {@code resource_already_exists_exception}; empty when there is none. */
    public String errorType() {
        return body == null ? "" : body.path("error").path("type").asText("");
    }

    static String describe(JsonNode body) {
        JsonNode error = body.path("error");
        if (error.isObject()) {
            return error.path("type").asText() + ": " + error.path("reason").asText();
        }
        return body.toString();
    }
}

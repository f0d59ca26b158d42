package dev.postroom.simulator;

import java.util.Map;

/**
 * An error as Graph answers it: a status and {@code {"error":{"code","message"}}}. The simulator's Java API throws
 * it too (e.g. {@code ErrorItemNotFound} for an unknown message), so pages and endpoints answer alike.
 */
public class GraphException extends RuntimeException {

    private final int status;
    private final String code;
    private final Map<String, String> headers;

    public GraphException(int status, String code, String message) {
        this(status, code, message, Map.of());
    }

    public GraphException(int status, String code, String message, Map<String, String> headers) {
        super(message);
        this.status = status;
        this.code = code;
        this.headers = Map.copyOf(headers);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public Map<String, String> headers() {
        return headers;
    }

    static GraphException notFound(String what) {
        return new GraphException(404, "ErrorItemNotFound", "The specified object was not found in the store. (" + what + ")");
    }

    static GraphException badRequest(String message) {
        return new GraphException(400, "ErrorInvalidRequest", message);
    }
}

package dev.postroom.web.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.postroom.outbound.InvalidRequestException.FieldError;
import jakarta.ws.rs.core.Response;

import java.util.List;

/** An RFC 9457 problem detail, the body of every error answer of the API ({@code application/problem+json}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, List<FieldError> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public static Problem of(Response.Status status, String detail) {
        return new Problem("about:blank", status.getReasonPhrase(), status.getStatusCode(), detail, null);
    }

    public static Problem of(int status, String title, String detail) {
        return new Problem("about:blank", title, status, detail, null);
    }

    public Response.ResponseBuilder response() {
        return Response.status(status).type(MEDIA_TYPE).entity(this);
    }
}

package dev.postroom.web.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.postroom.account.AccountException;
import dev.postroom.outbound.IdempotencyConflictException;
import dev.postroom.outbound.InvalidRequestException;
import dev.postroom.outbound.QueueUnavailableException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.List;
import java.util.stream.Collectors;

/** Turns failures into problem+json answers with the right status; never a stack trace. */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response invalid(InvalidRequestException e) {
        return new Problem("about:blank", "Invalid request", 400, e.getMessage(), e.errors()).response().build();
    }

    /** A value of the wrong type (more specific than the catch-all below, so Quarkus' own mapper stays out). */
    @ServerExceptionMapper
    public Response mismatched(MismatchedInputException e) {
        return unreadable(e);
    }

    /** Malformed JSON, or a value of the wrong type: name the field where Jackson knows it. */
    @ServerExceptionMapper
    public Response unreadable(JsonProcessingException e) {
        String field = e instanceof JsonMappingException mapping ? mapping.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[") : "";
        String detail = field.isEmpty() ? "the body is not valid JSON" : "'" + field + "' has the wrong type";
        return new Problem("about:blank", "Invalid request", 400, detail,
                field.isEmpty() ? null : List.of(new InvalidRequestException.FieldError(field, "has the wrong type")))
                .response().build();
    }

    @ServerExceptionMapper
    public Response account(AccountException e) {
        return switch (e.reason()) {
            case INVALID -> new Problem("about:blank", "Invalid request", 400, e.getMessage(), e.errors().stream()
                    .map(error -> new InvalidRequestException.FieldError(error.field(), error.message())).toList())
                    .response().build();
            case EMAIL_TAKEN -> Problem.of(409, "Conflict", e.getMessage()).response().build();
            case BAD_CREDENTIALS -> Problem.of(Response.Status.UNAUTHORIZED, e.getMessage()).response().build();
            case NOT_A_USER -> Problem.of(Response.Status.FORBIDDEN, e.getMessage()).response().build();
            case NOT_FOUND -> Problem.of(Response.Status.NOT_FOUND, e.getMessage()).response().build();
        };
    }

    @ServerExceptionMapper
    public Response conflict(IdempotencyConflictException e) {
        return Problem.of(409, "Conflict", e.getMessage()).response().build();
    }

    @ServerExceptionMapper
    public Response unavailable(QueueUnavailableException e) {
        LOG.warnf("answering 503: %s (%s)", e.getMessage(), e.getCause() == null ? "" : e.getCause().getMessage());
        return Problem.of(503, "Service Unavailable", e.getMessage() + "; nothing was queued, try again shortly")
                .response().header("Retry-After", "5").build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        Response original = e.getResponse();
        Response.Status status = Response.Status.fromStatusCode(original.getStatus());
        String title = status == null ? "Error" : status.getReasonPhrase();
        return Problem.of(original.getStatus(), title, e.getMessage()).response().build();
    }
}

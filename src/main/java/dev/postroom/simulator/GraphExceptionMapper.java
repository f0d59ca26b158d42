package dev.postroom.simulator;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Graph errors as Graph writes them: the status, {@code {"error":{"code","message","innerError"}}} and any headers. */
public class GraphExceptionMapper {

    @ServerExceptionMapper
    public Response graph(GraphException e) {
        Response.ResponseBuilder response = Response.status(e.status()).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(GraphJson.error(e));
        e.headers().forEach(response::header);
        return response.build();
    }
}

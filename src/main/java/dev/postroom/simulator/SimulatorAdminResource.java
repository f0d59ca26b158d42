package dev.postroom.simulator;

import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON mirror of the main {@link OutlookSimulator} operations under {@code /simulator/api}, for the local run and
 * scripts. No authentication: the simulator is only on in dev, test and local runs.
 */
@Path("/simulator/api")
@Blocking
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Outlook simulator")
public class SimulatorAdminResource {

    private final OutlookSimulator simulator;

    public SimulatorAdminResource(OutlookSimulator simulator) {
        this.simulator = simulator;
    }

    public record NewMailbox(String address, String displayName, boolean personal) {
    }

    public record Generate(int count, Long seed) {
    }

    public record Mail(String subject, String from, String folder) {
    }

    public record Move(String destination) {
    }

    public record Update(Boolean isRead, String flagStatus, String importance, List<String> categories) {
    }

    public record Lifecycle(String event) {
    }

    public record Settings(Long accessTokenLifetimeSeconds, Boolean singleTenant) {
    }

    @GET
    @Path("mailboxes")
    public List<MailboxInfo> mailboxes() {
        return simulator.mailboxes();
    }

    @POST
    @Path("mailboxes")
    public Response createMailbox(NewMailbox body) {
        MailboxInfo mailbox = simulator.createMailbox(body.address(), body.displayName(), body.personal());
        return Response.created(URI.create("/simulator/api/mailboxes/" + mailbox.address())).entity(mailbox).build();
    }

    @GET
    @Path("mailboxes/{address}")
    public Map<String, Object> mailbox(@PathParam("address") String address) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("mailbox", simulator.mailbox(address).orElseThrow(() -> GraphException.notFound("mailbox " + address)));
        body.put("messages", simulator.messageCount(address));
        body.put("folders", simulator.folders(address));
        return body;
    }

    /** Every folder and message: what a mirror must converge to. */
    @GET
    @Path("mailboxes/{address}/snapshot")
    public MailboxSnapshot snapshot(@PathParam("address") String address) {
        return simulator.snapshot(address);
    }

    @POST
    @Path("mailboxes/{address}/generate")
    public Map<String, Object> generate(@PathParam("address") String address, Generate body) {
        int generated = simulator.generateMessages(address, body.count(), body.seed() == null ? 1 : body.seed());
        return Map.of("generated", generated, "messages", simulator.messageCount(address));
    }

    /** New mail: {@code {"subject","from","folder"?}} (folder: id or well-known name, Inbox by default). */
    @POST
    @Path("mailboxes/{address}/messages")
    public Response newMail(@PathParam("address") String address, Mail body) {
        String from = body.from() == null ? "Simulated Sender <sender@example.org>" : body.from();
        SimMessage message = simulator.addMessage(address, body.folder() == null ? SimMailbox.INBOX : body.folder(),
                NewMessage.of(body.subject(), from, address));
        return Response.status(201).entity(message).build();
    }

    @PUT
    @Path("mailboxes/{address}/messages/{id}")
    public SimMessage update(@PathParam("address") String address, @PathParam("id") String id, Update body) {
        return simulator.updateMessage(address, id, body.isRead(), body.flagStatus(), body.importance(), body.categories());
    }

    @POST
    @Path("mailboxes/{address}/messages/{id}/move")
    public SimMessage move(@PathParam("address") String address, @PathParam("id") String id, Move body) {
        return simulator.move(address, id, body.destination());
    }

    @DELETE
    @Path("mailboxes/{address}/messages/{id}")
    public Response delete(@PathParam("address") String address, @PathParam("id") String id) {
        simulator.delete(address, id);
        return Response.noContent().build();
    }

    @POST
    @Path("mailboxes/{address}/revoke-refresh-tokens")
    public Response revoke(@PathParam("address") String address) {
        simulator.revokeRefreshTokens(address);
        return Response.noContent().build();
    }

    @POST
    @Path("mailboxes/{address}/expire-access-tokens")
    public Response expireAccessTokens(@PathParam("address") String address) {
        simulator.expireAccessTokens(address);
        return Response.noContent().build();
    }

    @POST
    @Path("mailboxes/{address}/expire-delta-tokens")
    public Response expireDeltaTokens(@PathParam("address") String address) {
        simulator.expireDeltaTokens(address);
        return Response.noContent().build();
    }

    @GET
    @Path("mailboxes/{address}/faults")
    public Faults faults(@PathParam("address") String address) {
        return simulator.faults(address);
    }

    /** Faults of one mailbox, e.g. {@code {"throttleRate":0.3,"throttleRetryAfter":"PT2S","latency":"PT0.2S"}}. */
    @PUT
    @Path("mailboxes/{address}/faults")
    public Faults setFaults(@PathParam("address") String address, Faults faults) {
        simulator.setFaults(address, faults);
        return simulator.faults(address);
    }

    @DELETE
    @Path("mailboxes/{address}/faults")
    public Response clearFaults(@PathParam("address") String address) {
        simulator.setFaults(address, null);
        return Response.noContent().build();
    }

    @GET
    @Path("faults")
    public Faults globalFaults() {
        return simulator.globalFaults();
    }

    /** Faults of every mailbox without faults of its own. */
    @PUT
    @Path("faults")
    public Faults setGlobalFaults(Faults faults) {
        simulator.setFaults(faults);
        return simulator.globalFaults();
    }

    @GET
    @Path("mailboxes/{address}/limits")
    public Limits limits(@PathParam("address") String address) {
        return simulator.limits(address);
    }

    @PUT
    @Path("mailboxes/{address}/limits")
    public Limits setLimits(@PathParam("address") String address, Limits limits) {
        simulator.setLimits(address, limits);
        return simulator.limits(address);
    }

    @GET
    @Path("mailboxes/{address}/stats")
    public ThrottleStats stats(@PathParam("address") String address) {
        return simulator.stats(address);
    }

    @DELETE
    @Path("mailboxes/{address}/stats")
    public Response resetStats(@PathParam("address") String address) {
        simulator.resetStats(address);
        return Response.noContent().build();
    }

    @GET
    @Path("mailboxes/{address}/subscriptions")
    public List<SubscriptionInfo> subscriptions(@PathParam("address") String address) {
        return simulator.subscriptions(address);
    }

    /** {@code {"event":"missed"}} (or reauthorizationRequired, subscriptionRemoved) to every subscription of the mailbox. */
    @POST
    @Path("mailboxes/{address}/lifecycle")
    public Response lifecycle(@PathParam("address") String address, Lifecycle body) {
        simulator.triggerLifecycleEvent(address, body.event());
        return Response.accepted().build();
    }

    /** Run-time settings: access-token lifetime (seconds; null or absent: configured) and single-tenant mode. */
    @PUT
    @Path("settings")
    public Map<String, Object> settings(Settings body) {
        simulator.setAccessTokenLifetime(body.accessTokenLifetimeSeconds() == null ? null
                : Duration.ofSeconds(body.accessTokenLifetimeSeconds()));
        simulator.setSingleTenant(body.singleTenant());
        return Map.of("singleTenant", simulator.singleTenant());
    }

    @ServerExceptionMapper
    public Response invalid(IllegalArgumentException e) {
        return new GraphExceptionMapper().graph(GraphException.badRequest(e.getMessage()));
    }
}

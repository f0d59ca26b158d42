package dev.postroom.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code /v1.0/me/mailFolders}: the folder tree (top level, children, the folder delta), one folder, its messages,
 * and the per-folder message delta. Folders are named by id or well-known name ({@code inbox}, {@code sentitems},
 * ...), in the {@code /mailFolders/{id}} form (not {@code /mailFolders('inbox')}).
 */
@Path("/simulator/graph/v1.0/me/mailFolders")
@Blocking
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Outlook simulator")
public class GraphFolderResource {

    private static final int DEFAULT_TOP = 10;
    private static final int MAX_TOP = 1000;

    private final GraphCaller caller;
    private final DeltaService delta;
    private final SimulatorUrls urls;

    public GraphFolderResource(GraphCaller caller, DeltaService delta, SimulatorUrls urls) {
        this.caller = caller;
        this.delta = delta;
        this.urls = urls;
    }

    /** The top-level folders (children of msgfolderroot), 10 per page by default, like Graph. */
    @GET
    public Map<String, Object> topLevel(@HeaderParam("Authorization") String authorization,
            @QueryParam("includeHiddenFolders") boolean includeHidden, @QueryParam("$select") String select,
            @QueryParam("$top") Integer top, @QueryParam("$skip") Integer skip) {
        SimMailbox mailbox = caller.mailbox(authorization);
        return folderPage(mailbox, mailbox.children(SimMailbox.ROOT, includeHidden), "/me/mailFolders", includeHidden, select, top, skip);
    }

    @GET
    @Path("delta")
    public Response folderDelta(@HeaderParam("Authorization") String authorization, @QueryParam("$select") String select,
            @QueryParam("$skiptoken") String skipToken, @QueryParam("$deltatoken") String deltaToken,
            @HeaderParam("Prefer") List<String> prefer) {
        SimMailbox mailbox = caller.mailbox(authorization);
        return page(delta.folders(mailbox, select, skipToken, deltaToken, GraphCaller.maxPageSize(prefer)));
    }

    @GET
    @Path("{folder}")
    public Map<String, Object> folder(@HeaderParam("Authorization") String authorization, @PathParam("folder") String folder,
            @QueryParam("$select") String select) {
        SimMailbox mailbox = caller.mailbox(authorization);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("@odata.context", urls.graphV1() + "/$metadata#users('" + mailbox.id() + "')/mailFolders/$entity");
        body.putAll(GraphJson.folder(mailbox.folder(folder), GraphJson.select(GraphJson.Kind.FOLDER, select)));
        return body;
    }

    @GET
    @Path("{folder}/childFolders")
    public Map<String, Object> childFolders(@HeaderParam("Authorization") String authorization, @PathParam("folder") String folder,
            @QueryParam("includeHiddenFolders") boolean includeHidden, @QueryParam("$select") String select,
            @QueryParam("$top") Integer top, @QueryParam("$skip") Integer skip) {
        SimMailbox mailbox = caller.mailbox(authorization);
        String id = mailbox.resolveFolder(folder);
        return folderPage(mailbox, mailbox.children(id, includeHidden), "/me/mailFolders/" + id + "/childFolders",
                includeHidden, select, top, skip);
    }

    /** Creates a top-level folder: {@code {"displayName","isHidden"}}; 409 ErrorFolderExists for a taken name. */
    @POST
    @Consumes(MediaType.WILDCARD)
    public Response create(@HeaderParam("Authorization") String authorization, String text) {
        SimMailbox mailbox = caller.mailbox(authorization);
        return created(mailbox, SimMailbox.ROOT, text);
    }

    @POST
    @Path("{folder}/childFolders")
    @Consumes(MediaType.WILDCARD)
    public Response createChild(@HeaderParam("Authorization") String authorization, @PathParam("folder") String folder, String text) {
        SimMailbox mailbox = caller.mailbox(authorization);
        return created(mailbox, folder, text);
    }

    /** Renames a folder: {@code {"displayName"}}. */
    @PATCH
    @Path("{folder}")
    @Consumes(MediaType.WILDCARD)
    public Map<String, Object> rename(@HeaderParam("Authorization") String authorization, @PathParam("folder") String folder, String text) {
        SimMailbox mailbox = caller.mailbox(authorization);
        JsonNode body = caller.body(text);
        return GraphJson.folder(mailbox.renameFolder(folder, body.path("displayName").asText(null)), null);
    }

    @DELETE
    @Path("{folder}")
    public Response delete(@HeaderParam("Authorization") String authorization, @PathParam("folder") String folder) {
        caller.mailbox(authorization).deleteFolder(folder);
        return Response.noContent().build();
    }

    /** A folder's messages, newest first, {@code $top} (default 10) and {@code $skip}. */
    @GET
    @Path("{folder}/messages")
    public Map<String, Object> messages(@HeaderParam("Authorization") String authorization, @PathParam("folder") String folder,
            @QueryParam("$select") String select, @QueryParam("$top") Integer top, @QueryParam("$skip") Integer skip) {
        SimMailbox mailbox = caller.mailbox(authorization);
        String id = mailbox.resolveFolder(folder);
        Set<String> selected = GraphJson.select(GraphJson.Kind.MESSAGE, select);
        List<SimMessage> all = new ArrayList<>(mailbox.messagesIn(id));
        all.sort(Comparator.comparing(SimMessage::receivedDateTime).reversed().thenComparing(SimMessage::id));
        int first = skip == null ? 0 : Math.max(0, skip);
        int size = top == null ? DEFAULT_TOP : Math.max(1, Math.min(top, MAX_TOP));
        List<Object> value = new ArrayList<>();
        for (int i = first; i < Math.min(all.size(), first + size); i++) {
            value.add(GraphJson.message(all.get(i), selected, false));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("@odata.context", urls.graphV1() + "/$metadata#users('" + mailbox.id() + "')/mailFolders('" + id + "')/messages");
        body.put("value", value);
        if (first + size < all.size()) {
            body.put("@odata.nextLink", urls.graphV1() + "/me/mailFolders/" + id + "/messages?$top=" + size + "&$skip=" + (first + size)
                    + (selected == null ? "" : "&$select=" + GraphJson.selectText(selected)));
        }
        return body;
    }

    /**
     * The per-folder message delta. The first request (no token) starts a round with every message in the folder;
     * the deltaLink's request starts a round with what changed in the folder since the previous round started.
     * Pages: {@code Prefer: odata.maxpagesize=N} (default 10, at most 1,000); {@code $select} of the first request
     * is kept in the links.
     */
    @GET
    @Path("{folder}/messages/delta")
    public Response messageDelta(@HeaderParam("Authorization") String authorization, @PathParam("folder") String folder,
            @QueryParam("$select") String select, @QueryParam("$skiptoken") String skipToken,
            @QueryParam("$deltatoken") String deltaToken, @HeaderParam("Prefer") List<String> prefer) {
        SimMailbox mailbox = caller.mailbox(authorization);
        String id = mailbox.resolveFolder(folder);
        return page(delta.messages(mailbox, id, select, skipToken, deltaToken, GraphCaller.maxPageSize(prefer)));
    }

    private static Response page(DeltaService.Page page) {
        return Response.ok(page.body()).header("Preference-Applied", "odata.maxpagesize=" + page.pageSize()).build();
    }

    private Response created(SimMailbox mailbox, String parent, String text) {
        JsonNode body = caller.body(text);
        SimFolder folder = mailbox.createFolder(parent, body.path("displayName").asText(null), body.path("isHidden").asBoolean(false));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("@odata.context", urls.graphV1() + "/$metadata#users('" + mailbox.id() + "')/mailFolders/$entity");
        json.putAll(GraphJson.folder(folder, null));
        return Response.status(201).entity(json).build();
    }

    private Map<String, Object> folderPage(SimMailbox mailbox, List<SimFolder> folders, String path, boolean includeHidden,
            String select, Integer top, Integer skip) {
        Set<String> selected = GraphJson.select(GraphJson.Kind.FOLDER, select);
        int first = skip == null ? 0 : Math.max(0, skip);
        int size = top == null ? DEFAULT_TOP : Math.max(1, Math.min(top, MAX_TOP));
        List<Object> value = new ArrayList<>();
        for (int i = first; i < Math.min(folders.size(), first + size); i++) {
            value.add(GraphJson.folder(folders.get(i), selected));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("@odata.context", urls.graphV1() + "/$metadata#users('" + mailbox.id() + "')/mailFolders");
        body.put("value", value);
        if (first + size < folders.size()) {
            body.put("@odata.nextLink", urls.graphV1() + path + "?$top=" + size + "&$skip=" + (first + size)
                    + (includeHidden ? "&includeHiddenFolders=true" : "")
                    + (selected == null ? "" : "&$select=" + GraphJson.selectText(selected)));
        }
        return body;
    }
}

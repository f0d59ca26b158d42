package dev.postroom.provider.graph;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.postroom.mail.FolderDoc;
import dev.postroom.mail.MailboxChange;
import dev.postroom.mail.MessageDoc;
import dev.postroom.provider.DeltaPage;
import dev.postroom.provider.FolderRef;
import dev.postroom.provider.MailboxSession;
import dev.postroom.provider.ProviderUnauthorizedException;
import dev.postroom.provider.ProviderUnavailableException;
import dev.postroom.provider.ResourceGoneException;
import dev.postroom.provider.Subscription;
import dev.postroom.provider.SyncStateLostException;
import io.netty.buffer.ByteBufInputStream;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.HttpRequest;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Reading an Outlook mailbox through Microsoft Graph v1.0: well-known folder ids, the folder tree's delta, each
 * folder's message delta, and change-notification subscriptions (see {@code graph-mail-facts.md}).
 *
 * <p>Every call is one HTTP request (callers count requests against Graph's limit of 4 in flight per mailbox) with
 * {@code Authorization}, {@code Accept: application/json} and {@code Prefer: IdType="ImmutableId"} (so ids survive
 * moves), plus {@code odata.maxpagesize} on deltas. Links are called exactly as Graph gave them. Delta pages are read
 * with a streaming JSON parser straight from the response buffer into the mirror's documents: a page holds up to a
 * thousand messages, and no intermediate tree is built. Failures are translated in one place, {@link #failure}.
 */
final class GraphMailbox {

    static final Duration HTTP_TIMEOUT = Duration.ofSeconds(30);
    static final String FOLDER_SELECT = "id,displayName,parentFolderId,childFolderCount,unreadItemCount,totalItemCount";
    static final String MESSAGE_SELECT = "subject,from,toRecipients,ccRecipients,receivedDateTime,sentDateTime,isRead,"
            + "flag,importance,categories,hasAttachments,bodyPreview,conversationId,internetMessageId,"
            + "lastModifiedDateTime,parentFolderId";
    /** Page size asked for on the folder tree's delta (Graph's default is 10); a mailbox rarely has more folders. */
    static final int FOLDER_PAGE_SIZE = 500;
    private static final String IMMUTABLE_IDS = "IdType=\"ImmutableId\"";
    private static final List<String> SYNC_STATE_LOST = List.of("SyncStateNotFound", "resyncRequired", "SyncStateInvalid");
    /** Retry-After in seconds, possibly fractional ({@code 2.128}); bounded, so a hostile value can't cost much. */
    private static final Pattern SECONDS = Pattern.compile("\\d{1,12}(\\.\\d{0,9})?|\\.\\d{1,9}");
    /** Graph error codes are words; anything else from the body stays out of exception messages. */
    private static final Pattern ERROR_CODE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final JsonFactory JSON = new JsonFactory();

    private final WebClient web;
    private final String v1;

    /** @param graphUrl Graph's base URL without trailing slash, e.g. {@code https://graph.microsoft.com} */
    GraphMailbox(WebClient web, String graphUrl) {
        this.web = web;
        this.v1 = graphUrl + "/v1.0";
    }

    Uni<Optional<String>> wellKnownFolderId(MailboxSession session, String wellKnownName) {
        String call = "GET /me/mailFolders/" + wellKnownName;
        return send(session, HttpMethod.GET, v1 + "/me/mailFolders/" + segment(wellKnownName) + "?$select=id", null, null, call)
                .map(response -> {
                    if (response.statusCode() == 404) {
                        return Optional.<String>empty();
                    }
                    JsonObject body = ok(call, response);
                    String id = body.getString("id");
                    if (id == null || id.isEmpty()) {
                        throw new ProviderUnavailableException("Microsoft Graph " + call + " answered a folder without id");
                    }
                    return Optional.of(id);
                });
    }

    Uni<DeltaPage> folderDelta(MailboxSession session, String link) {
        String url = link != null ? link : v1 + "/me/mailFolders/delta?$select=" + FOLDER_SELECT;
        String call = "GET /me/mailFolders/delta";
        return send(session, HttpMethod.GET, url, FOLDER_PAGE_SIZE, null, call)
                .map(response -> page(call, response, () -> new FolderItem(session)));
    }

    Uni<DeltaPage> messageDelta(MailboxSession session, FolderRef folder, String link, int pageSize) {
        if (pageSize < 1) {
            return Uni.createFrom().failure(new IllegalArgumentException("pageSize must be at least 1: " + pageSize));
        }
        String url = link != null ? link
                : v1 + "/me/mailFolders/" + segment(folder.id()) + "/messages/delta?$select=" + MESSAGE_SELECT;
        String call = "GET /me/mailFolders/{id}/messages/delta";
        return send(session, HttpMethod.GET, url, pageSize, null, call)
                .map(response -> page(call, response, () -> new MessageItem(session, folder)));
    }

    Uni<Subscription> subscribe(MailboxSession session, URI notificationUrl, URI lifecycleUrl, String clientState,
            Instant expiresAt) {
        JsonObject body = new JsonObject()
                .put("changeType", "created,updated,deleted")
                .put("notificationUrl", notificationUrl.toString());
        if (lifecycleUrl != null) {
            body.put("lifecycleNotificationUrl", lifecycleUrl.toString());
        }
        body.put("resource", "/me/messages").put("expirationDateTime", date(expiresAt));
        if (clientState != null) {
            body.put("clientState", clientState);
        }
        String call = "POST /subscriptions";
        return send(session, HttpMethod.POST, v1 + "/subscriptions", null, body, call)
                .map(response -> subscription(call, ok(call, response), expiresAt));
    }

    Uni<Subscription> renewSubscription(MailboxSession session, String subscriptionId, Instant expiresAt) {
        String call = "PATCH /subscriptions/{id}";
        return send(session, HttpMethod.PATCH, v1 + "/subscriptions/" + segment(subscriptionId), null,
                new JsonObject().put("expirationDateTime", date(expiresAt)), call)
                .map(response -> subscription(call, ok(call, response), expiresAt));
    }

    Uni<Void> unsubscribe(MailboxSession session, String subscriptionId) {
        String call = "DELETE /subscriptions/{id}";
        return send(session, HttpMethod.DELETE, v1 + "/subscriptions/" + segment(subscriptionId), null, null, call)
                .map(response -> {
                    int status = response.statusCode();
                    if (status / 100 != 2 && status != 404) { // 404: gone already, which is what was asked for
                        throw failure(call, response);
                    }
                    return null;
                });
    }

    /**
     * One request to Graph. Only connection failures and timeouts are translated here (the answer, whatever its
     * status, is the caller's to read); {@code call} names the request in messages without ids, tokens or links.
     */
    private Uni<HttpResponse<Buffer>> send(MailboxSession session, HttpMethod method, String url, Integer maxPageSize,
            JsonObject body, String call) {
        HttpRequest<Buffer> request = web.requestAbs(method, url)
                .putHeader("Authorization", session.token().authorizationHeader())
                .putHeader("Accept", "application/json")
                .putHeader("Prefer", maxPageSize == null ? IMMUTABLE_IDS : IMMUTABLE_IDS + ", odata.maxpagesize=" + maxPageSize)
                .timeout(HTTP_TIMEOUT.toMillis());
        return (body == null ? request.send() : request.sendJsonObject(body))
                .onFailure().transform(failure -> new ProviderUnavailableException(
                        "Microsoft Graph " + call + " could not be reached: " + failure.getClass().getSimpleName(), failure));
    }

    /** The body of a successful (2xx) answer, or the translated failure. */
    private static JsonObject ok(String call, HttpResponse<Buffer> response) {
        int status = response.statusCode();
        if (status / 100 != 2) {
            throw failure(call, response);
        }
        JsonObject body = GraphMailProvider.json(response);
        if (body == null) {
            throw new ProviderUnavailableException("Microsoft Graph " + call + " answered " + status + " without a JSON object");
        }
        return body;
    }

    /**
     * What a Graph answer other than success means for the caller: a lost sync state (410, or an error code that says
     * so, whatever the status), throttling (429, with Retry-After), a server error (5xx, Retry-After if any), a refused
     * token (401), something gone (404), else the provider is unavailable. The message names the call, the status and
     * Graph's error code: never the body, a link or a token.
     */
    static RuntimeException failure(String call, HttpResponse<Buffer> response) {
        return failure(call, response.statusCode(), response.getHeader("Retry-After"), GraphMailProvider.json(response),
                Instant.now());
    }

    static RuntimeException failure(String call, int status, String retryAfter, JsonObject body, Instant now) {
        String code = errorCode(body);
        String what = "Microsoft Graph " + call + " answered " + status + (code == null ? "" : " " + code);
        if (status == 410 || (code != null && SYNC_STATE_LOST.stream().anyMatch(code::equalsIgnoreCase))) {
            return new SyncStateLostException(what);
        }
        if (status == 429) {
            return new ProviderUnavailableException(what, retryAfter(retryAfter, now), true);
        }
        if (status >= 500) {
            return new ProviderUnavailableException(what, retryAfter(retryAfter, now), false);
        }
        if (status == 401) {
            return new ProviderUnauthorizedException(what);
        }
        if (status == 404) {
            return new ResourceGoneException(what);
        }
        return new ProviderUnavailableException(what);
    }

    /** {@code error.code} of a Graph error body, if it looks like one (it goes into exception messages). */
    private static String errorCode(JsonObject body) {
        Object error = body == null ? null : body.getValue("error");
        Object code = error instanceof JsonObject object ? object.getValue("code") : null;
        return code instanceof String text && ERROR_CODE.matcher(text).matches() ? text : null;
    }

    /**
     * HTTP {@code Retry-After}, read leniently: whole or fractional seconds ({@code 10}, {@code 2.128}, rounded up to
     * the millisecond) or an HTTP date (the time left until then, zero if past). Anything else: null.
     */
    static Duration retryAfter(String value, Instant now) {
        if (value == null) {
            return null;
        }
        String text = value.strip();
        if (SECONDS.matcher(text).matches()) {
            long millis = new BigDecimal(text).movePointRight(3).setScale(0, RoundingMode.CEILING).longValue();
            return Duration.ofMillis(millis);
        }
        try {
            Duration left = Duration.between(now, ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            return left.isNegative() ? Duration.ZERO : left;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    // --- delta pages ---

    /** A delta page: its items in order, and the nextLink or deltaLink (in whatever order Graph writes them). */
    private static DeltaPage page(String call, HttpResponse<Buffer> response, Supplier<Item> items) {
        if (response.statusCode() != 200) {
            throw failure(call, response);
        }
        Buffer body = response.body();
        if (body == null || body.length() == 0) {
            throw malformed(call);
        }
        List<MailboxChange> changes = new ArrayList<>();
        String nextLink = null;
        String deltaLink = null;
        try (JsonParser parser = JSON.createParser((InputStream) new ByteBufInputStream(body.getDelegate().getByteBuf()))) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw malformed(call);
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (field) {
                    case "@odata.nextLink" -> nextLink = parser.getValueAsString();
                    case "@odata.deltaLink" -> deltaLink = parser.getValueAsString();
                    case "value" -> {
                        if (value != JsonToken.START_ARRAY) {
                            throw malformed(call);
                        }
                        JsonToken item;
                        while ((item = parser.nextToken()) == JsonToken.START_OBJECT) {
                            changes.add(items.get().read(parser, call));
                        }
                        if (item != JsonToken.END_ARRAY) {
                            throw malformed(call);
                        }
                    }
                    default -> parser.skipChildren();
                }
            }
        } catch (IOException e) {
            // Not passed on: a parser's message may quote the body.
            throw malformed(call);
        }
        if (nextLink != null && !nextLink.isEmpty()) {
            return new DeltaPage(changes, nextLink, false);
        }
        if (deltaLink != null && !deltaLink.isEmpty()) {
            return new DeltaPage(changes, deltaLink, true);
        }
        throw new ProviderUnavailableException("Microsoft Graph " + call + " answered a page with neither nextLink nor deltaLink");
    }

    private static ProviderUnavailableException malformed(String call) {
        return new ProviderUnavailableException("Microsoft Graph " + call + " answered 200 without a readable delta page");
    }

    /**
     * One item of a delta page's {@code value} as it is read: {@code id} and {@code @removed} (any reason: no longer
     * there) are read here, the other fields by the kind of item.
     */
    private abstract static class Item {

        String id;
        boolean removed;

        /** Reads the item, the parser on its START_OBJECT; leaves it on the item's END_OBJECT. */
        final MailboxChange read(JsonParser parser, String call) throws IOException {
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                parser.nextToken();
                switch (field) {
                    case "id" -> id = parser.getValueAsString();
                    case "@removed" -> {
                        removed = true;
                        parser.skipChildren();
                    }
                    default -> field(field, parser);
                }
            }
            if (id == null || id.isEmpty()) {
                throw new ProviderUnavailableException("Microsoft Graph " + call + " answered an item without id");
            }
            return change();
        }

        /** Reads a field other than id and @removed, the parser on its value (skip what is not wanted). */
        abstract void field(String field, JsonParser parser) throws IOException;

        /** The change the item stands for, once read. */
        abstract MailboxChange change();
    }

    /** A folder of the folder tree's delta. */
    private static final class FolderItem extends Item {

        private final MailboxSession session;
        private String displayName;
        private String parentFolderId;
        private int total;
        private int unread;

        FolderItem(MailboxSession session) {
            this.session = session;
        }

        @Override
        void field(String field, JsonParser parser) throws IOException {
            switch (field) {
                case "displayName" -> displayName = parser.getValueAsString();
                case "parentFolderId" -> parentFolderId = parser.getValueAsString();
                case "totalItemCount" -> total = parser.getValueAsInt();
                case "unreadItemCount" -> unread = parser.getValueAsInt();
                default -> parser.skipChildren();
            }
        }

        @Override
        MailboxChange change() {
            if (removed) {
                return new MailboxChange.FolderRemoved(session.accountId(), id);
            }
            return new MailboxChange.FolderUpserted(new FolderDoc(session.accountId(), id, displayName, parentFolderId,
                    null, total, unread));
        }
    }

    /** A message of a folder's delta. Its folder is the one asked for (not parentFolderId): the delta is per folder. */
    private static final class MessageItem extends Item {

        private final MailboxSession session;
        private final FolderRef folder;
        private String subject;
        private Recipient from;
        private List<String> to = List.of();
        private List<String> cc = List.of();
        private Instant receivedAt;
        private Instant sentAt;
        private boolean isRead;
        private String flagStatus;
        private String importance;
        private List<String> categories = List.of();
        private boolean hasAttachments;
        private String bodyPreview;
        private String conversationId;
        private String internetMessageId;
        private Instant lastModified;

        MessageItem(MailboxSession session, FolderRef folder) {
            this.session = session;
            this.folder = folder;
        }

        @Override
        void field(String field, JsonParser parser) throws IOException {
            switch (field) {
                case "subject" -> subject = parser.getValueAsString();
                case "from" -> from = recipient(parser);
                case "toRecipients" -> to = addresses(parser);
                case "ccRecipients" -> cc = addresses(parser);
                case "receivedDateTime" -> receivedAt = instant(parser.getValueAsString());
                case "sentDateTime" -> sentAt = instant(parser.getValueAsString());
                case "isRead" -> isRead = parser.getValueAsBoolean();
                case "flag" -> flagStatus = flagStatus(parser);
                case "importance" -> importance = parser.getValueAsString();
                case "categories" -> categories = strings(parser);
                case "hasAttachments" -> hasAttachments = parser.getValueAsBoolean();
                case "bodyPreview" -> bodyPreview = parser.getValueAsString();
                case "conversationId" -> conversationId = parser.getValueAsString();
                case "internetMessageId" -> internetMessageId = parser.getValueAsString();
                case "lastModifiedDateTime" -> lastModified = instant(parser.getValueAsString());
                default -> parser.skipChildren();
            }
        }

        @Override
        MailboxChange change() {
            if (removed) {
                return new MailboxChange.RemovedFromFolder(session.accountId(), id, folder.id());
            }
            return new MailboxChange.Upserted(new MessageDoc(session.accountId(), session.address(), id, folder.id(),
                    folder.name(), subject, from == null ? null : from.name(), from == null ? null : from.address(), to,
                    cc, receivedAt, sentAt, isRead, flagStatus, importance, categories, hasAttachments, bodyPreview,
                    conversationId, internetMessageId, lastModified, null));
        }
    }

    private record Recipient(String name, String address) {
    }

    /** {@code {"emailAddress":{"name","address"}}}, or null for anything else (e.g. {@code null}). */
    private static Recipient recipient(JsonParser parser) throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            parser.skipChildren();
            return null;
        }
        String name = null;
        String address = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            if (parser.nextToken() == JsonToken.START_OBJECT && field.equals("emailAddress")) {
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String inner = parser.currentName();
                    parser.nextToken();
                    switch (inner) {
                        case "name" -> name = parser.getValueAsString();
                        case "address" -> address = parser.getValueAsString();
                        default -> parser.skipChildren();
                    }
                }
            } else {
                parser.skipChildren();
            }
        }
        return name == null && address == null ? null : new Recipient(name, address);
    }

    /** The addresses of a recipient list ({@code toRecipients}, {@code ccRecipients}). */
    private static List<String> addresses(JsonParser parser) throws IOException {
        return list(parser, element -> {
            Recipient recipient = recipient(element);
            return recipient == null ? null : recipient.address();
        });
    }

    /** A list of strings ({@code categories}). */
    private static List<String> strings(JsonParser parser) throws IOException {
        return list(parser, element -> {
            String text = element.getValueAsString();
            element.skipChildren();
            return text;
        });
    }

    @FunctionalInterface
    private interface Element {
        /** Reads one element of an array (the parser on its first token, left on its last); null leaves it out. */
        String read(JsonParser parser) throws IOException;
    }

    /** The elements of an array, empty for anything else; no allocation for the usual empty list. */
    private static List<String> list(JsonParser parser, Element element) throws IOException {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            parser.skipChildren();
            return List.of();
        }
        List<String> values = null;
        JsonToken token;
        // null would be the end of the input: the parser fails on a truncated document first, but never loop on it
        while ((token = parser.nextToken()) != JsonToken.END_ARRAY && token != null) {
            String value = element.read(parser);
            if (value != null) {
                if (values == null) {
                    values = new ArrayList<>(4);
                }
                values.add(value);
            }
        }
        return values == null ? List.of() : values;
    }

    /** {@code flag.flagStatus}. */
    private static String flagStatus(JsonParser parser) throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            parser.skipChildren();
            return null;
        }
        String status = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            parser.nextToken();
            if (field.equals("flagStatus")) {
                status = parser.getValueAsString();
            } else {
                parser.skipChildren();
            }
        }
        return status;
    }

    /** An ISO-8601 date-time with {@code Z} or an offset (or none: UTC); null for null or anything unreadable. */
    static Instant instant(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            try {
                return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException alsoNot) {
                return null;
            }
        }
    }

    // --- subscriptions ---

    private static Subscription subscription(String call, JsonObject body, Instant asked) {
        Object id = body.getValue("id");
        if (!(id instanceof String text) || text.isEmpty()) {
            throw new ProviderUnavailableException("Microsoft Graph " + call + " answered a subscription without id");
        }
        Object expiration = body.getValue("expirationDateTime");
        Instant expiresAt = expiration instanceof String date ? instant(date) : null;
        return new Subscription(text, expiresAt != null ? expiresAt : asked);
    }

    /** Graph reads up to 7 fractional digits; milliseconds are plenty. */
    private static String date(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MILLIS).toString();
    }

    private static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}

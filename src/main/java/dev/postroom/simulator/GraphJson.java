package dev.postroom.simulator;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** How Graph writes users, folders, messages and errors, with {@code $select} honoured. */
final class GraphJson {

    /** A resource type's properties: those returned without {@code $select}, and those that may be selected. */
    enum Kind {
        USER("microsoft.graph.user", List.of("businessPhones", "displayName", "givenName", "jobTitle", "mail",
                "mobilePhone", "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id")),
        FOLDER("microsoft.graph.mailFolder", List.of("id", "displayName", "parentFolderId", "childFolderCount",
                "unreadItemCount", "totalItemCount", "isHidden")),
        MESSAGE("microsoft.graph.message", List.of("id", "createdDateTime", "lastModifiedDateTime", "changeKey",
                "categories", "receivedDateTime", "sentDateTime", "hasAttachments", "internetMessageId", "subject",
                "bodyPreview", "importance", "parentFolderId", "conversationId", "isRead", "isDraft", "body",
                "sender", "from", "toRecipients", "ccRecipients", "bccRecipients", "replyTo", "flag"));

        final String type;
        final List<String> properties;

        Kind(String type, List<String> properties) {
            this.type = type;
            this.properties = properties;
        }
    }

    private GraphJson() {
    }

    /**
     * The properties a {@code $select} asks for, in canonical case, {@code id} always included; null without
     * {@code $select} (every default property). An unknown property is a 400, as in Graph.
     */
    static Set<String> select(Kind kind, String select) {
        if (select == null || select.isBlank()) {
            return null;
        }
        Set<String> chosen = new LinkedHashSet<>();
        chosen.add("id");
        for (String name : select.split(",")) {
            String wanted = name.strip();
            String canonical = kind.properties.stream().filter(p -> p.equalsIgnoreCase(wanted)).findFirst()
                    .orElseThrow(() -> new GraphException(400, "RequestBroker--ParseUri",
                            "Could not find a property named '" + wanted + "' on type '" + kind.type + "'."));
            chosen.add(canonical);
        }
        return chosen;
    }

    /** The select list as it goes into tokens and context URLs; empty for "all". */
    static String selectText(Set<String> select) {
        return select == null ? "" : String.join(",", select);
    }

    static Map<String, Object> user(MailboxInfo mailbox, Set<String> select) {
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("businessPhones", List.of());
        all.put("displayName", mailbox.displayName());
        String[] names = mailbox.displayName().split(" ", 2);
        all.put("givenName", names[0]);
        all.put("jobTitle", null);
        // Personal Microsoft accounts have no mail property: clients use userPrincipalName.
        all.put("mail", mailbox.personal() ? null : mailbox.address());
        all.put("mobilePhone", null);
        all.put("officeLocation", null);
        all.put("preferredLanguage", "en-US");
        all.put("surname", names.length > 1 ? names[1] : null);
        all.put("userPrincipalName", mailbox.address());
        all.put("id", mailbox.id());
        return pick(all, select);
    }

    static Map<String, Object> folder(SimFolder folder, Set<String> select) {
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("id", folder.id());
        all.put("displayName", folder.displayName());
        all.put("parentFolderId", folder.parentFolderId());
        all.put("childFolderCount", folder.childFolderCount());
        all.put("unreadItemCount", folder.unreadItemCount());
        all.put("totalItemCount", folder.totalItemCount());
        all.put("isHidden", folder.isHidden());
        return pick(all, select);
    }

    /** A message as GET and delta return it: {@code @odata.type}, {@code @odata.etag}, then the properties. */
    static Map<String, Object> message(SimMessage message, Set<String> select, boolean withType) {
        Map<String, Object> json = new LinkedHashMap<>();
        if (withType) {
            json.put("@odata.type", "#microsoft.graph.message");
        }
        json.put("@odata.etag", "W/\"" + message.changeKey() + "\"");
        for (String property : select == null ? Kind.MESSAGE.properties : select) {
            json.put(property, messageProperty(message, property));
        }
        return json;
    }

    private static Object messageProperty(SimMessage message, String property) {
        return switch (property) {
            case "id" -> message.id();
            case "createdDateTime" -> date(message.receivedDateTime());
            case "lastModifiedDateTime" -> date(message.lastModifiedDateTime());
            case "changeKey" -> message.changeKey();
            case "categories" -> message.categories();
            case "receivedDateTime" -> date(message.receivedDateTime());
            case "sentDateTime" -> date(message.sentDateTime());
            case "hasAttachments" -> message.hasAttachments();
            case "internetMessageId" -> message.internetMessageId();
            case "subject" -> message.subject();
            case "bodyPreview" -> message.bodyPreview();
            case "importance" -> message.importance();
            case "parentFolderId" -> message.parentFolderId();
            case "conversationId" -> message.conversationId();
            case "isRead" -> message.isRead();
            case "isDraft" -> message.isDraft();
            case "body" -> Map.of("contentType", "text", "content", message.body());
            case "sender", "from" -> recipient(message.from());
            case "toRecipients" -> recipients(message.toRecipients());
            case "ccRecipients" -> recipients(message.ccRecipients());
            case "bccRecipients", "replyTo" -> List.of();
            case "flag" -> Map.of("flagStatus", message.flagStatus());
            default -> throw new IllegalArgumentException(property);
        };
    }

    static Map<String, Object> removed(SimMailbox.Removed removed) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", removed.id());
        json.put("@removed", Map.of("reason", removed.reason()));
        return json;
    }

    static Map<String, Object> recipient(Recipient recipient) {
        Map<String, Object> address = new LinkedHashMap<>();
        address.put("name", recipient.name());
        address.put("address", recipient.address());
        return Map.of("emailAddress", address);
    }

    private static List<Object> recipients(List<Recipient> recipients) {
        List<Object> json = new ArrayList<>(recipients.size());
        recipients.forEach(r -> json.add(recipient(r)));
        return json;
    }

    /** Graph's date-times: UTC, whole seconds, {@code Z}. */
    static String date(Instant instant) {
        return instant == null ? null : instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    static Map<String, Object> error(GraphException e) {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("date", date(Instant.now()));
        inner.put("request-id", UUID.randomUUID().toString());
        inner.put("client-request-id", UUID.randomUUID().toString());
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", e.code());
        error.put("message", e.getMessage());
        error.put("innerError", inner);
        return Map.of("error", error);
    }

    private static Map<String, Object> pick(Map<String, Object> all, Set<String> select) {
        if (select == null) {
            return all;
        }
        Map<String, Object> picked = new LinkedHashMap<>();
        select.forEach(property -> picked.put(property, all.get(property)));
        return picked;
    }
}

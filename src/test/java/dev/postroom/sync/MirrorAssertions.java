package dev.postroom.sync;

import dev.postroom.mail.FolderDoc;
import dev.postroom.mail.MessageDoc;
import dev.postroom.simulator.MailboxSnapshot;
import dev.postroom.simulator.Recipient;
import dev.postroom.simulator.SimFolder;
import dev.postroom.simulator.SimMessage;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.fail;

/** Compares the mirror with the simulator's mailbox, field by field, and names every difference. */
final class MirrorAssertions {

    private MirrorAssertions() {
    }

    /** The fields the mirror keeps of a message, in a form both sides can produce. */
    record Message(String folderId, String folderName, String subject, String fromName, String fromAddress,
            List<String> to, List<String> cc, Instant receivedAt, Instant sentAt, boolean isRead, String flagStatus,
            String importance, List<String> categories, boolean hasAttachments, String bodyPreview,
            String conversationId, String internetMessageId, Instant lastModified) {
    }

    record Folder(String name, String parentId, int totalCount, int unreadCount) {
    }

    /** Differences between the mailbox and the mirror; empty when the mirror is exact. */
    static List<String> differences(MailboxSnapshot mailbox, List<MessageDoc> mirrored, List<FolderDoc> mirroredFolders) {
        Map<String, SimFolder> folders = mailbox.folders().stream()
                .filter(f -> !"msgfolderroot".equals(f.wellKnownName()))
                .collect(Collectors.toMap(SimFolder::id, Function.identity()));
        Map<String, Message> expected = new TreeMap<>();
        for (SimMessage m : mailbox.messages()) {
            expected.put(m.id(), expected(m, folders.get(m.parentFolderId())));
        }
        Map<String, Message> actual = new TreeMap<>();
        mirrored.forEach(doc -> actual.put(doc.messageId(), actual(doc)));
        List<String> differences = new ArrayList<>();
        compare("message", expected, actual, differences);

        Map<String, Folder> expectedFolders = new TreeMap<>();
        folders.values().forEach(f -> expectedFolders.put(f.id(), new Folder(f.displayName(),
                folders.containsKey(f.parentFolderId()) ? f.parentFolderId() : null, f.totalItemCount(), f.unreadItemCount())));
        Map<String, Folder> actualFolders = new TreeMap<>();
        mirroredFolders.forEach(f -> actualFolders.put(f.folderId(), new Folder(f.name(),
                folders.containsKey(f.parentId()) ? f.parentId() : null, f.totalCount(), f.unreadCount())));
        compare("folder", expectedFolders, actualFolders, differences);
        return differences;
    }

    static void assertExact(MailboxSnapshot mailbox, List<MessageDoc> mirrored, List<FolderDoc> mirroredFolders) {
        List<String> differences = differences(mailbox, mirrored, mirroredFolders);
        if (!differences.isEmpty()) {
            fail(differences.size() + " differences between the mailbox (" + mailbox.messages().size()
                    + " messages) and the mirror (" + mirrored.size() + "), first ones:\n  "
                    + String.join("\n  ", differences.subList(0, Math.min(15, differences.size()))));
        }
    }

    private static <T> void compare(String what, Map<String, T> expected, Map<String, T> actual, List<String> differences) {
        for (String id : new TreeSet<>(expected.keySet())) {
            T want = expected.get(id);
            T got = actual.get(id);
            if (got == null) {
                differences.add("missing " + what + " " + id + ": " + want);
            } else if (!Objects.equals(want, got)) {
                differences.add("stale " + what + " " + id + ":\n    expected " + want + "\n    mirrored " + got);
            }
        }
        for (String id : actual.keySet()) {
            if (!expected.containsKey(id)) {
                differences.add("extra " + what + " " + id + ": " + actual.get(id));
            }
        }
    }

    private static Message expected(SimMessage m, SimFolder folder) {
        return new Message(m.parentFolderId(), folder == null ? null : folder.displayName(), m.subject(),
                m.from() == null ? null : m.from().name(), m.from() == null ? null : m.from().address(),
                addresses(m.toRecipients()), addresses(m.ccRecipients()), seconds(m.receivedDateTime()),
                seconds(m.sentDateTime()), m.isRead(), m.flagStatus(), m.importance(), m.categories(),
                m.hasAttachments(), m.bodyPreview(), m.conversationId(), m.internetMessageId(),
                seconds(m.lastModifiedDateTime()));
    }

    private static Message actual(MessageDoc d) {
        return new Message(d.folderId(), d.folderName(), d.subject(), d.fromName(), d.fromAddress(), d.to(), d.cc(),
                d.receivedAt(), d.sentAt(), d.isRead(), d.flagStatus(), d.importance(), d.categories(),
                d.hasAttachments(), d.bodyPreview(), d.conversationId(), d.internetMessageId(), d.lastModified());
    }

    private static List<String> addresses(List<Recipient> recipients) {
        return recipients.stream().map(Recipient::address).toList();
    }

    /** Graph serialises times to the second. */
    private static Instant seconds(Instant instant) {
        return instant == null ? null : instant.truncatedTo(ChronoUnit.SECONDS);
    }
}

package dev.postroom.simulator;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The state of one simulated mailbox: folders, messages and what delta rounds need to know about changes.
 *
 * <p>Every change takes the next number of the mailbox's change sequence and is stored under it: a message's
 * version, a folder's version, or a departure (a message that left a folder, or a deleted folder). A delta round
 * that starts at sequence S later asks for everything above S, which is what makes per-folder delta exact: an index
 * per folder ordered by version answers "what is in this folder and changed since S", and the folder's departures
 * answer "what left it since S". Every method takes the mailbox's lock; the work under it is in-memory and short
 * (generating 100,000 messages takes well under a second).
 */
final class SimMailbox {

    /** An entry of a delta round for something that is gone: {@code {"id":..., "@removed":{"reason":...}}}. */
    record Removed(String id, String reason) {
    }

    /** What changed since a sequence number, taken at one instant. */
    record Changes(long sequence, int epoch, List<Object> entries) {
    }

    private record Departure(long version, String id, String reason) {
    }

    private static final class FolderIndex {
        final TreeMap<Long, SimMessage> byVersion = new TreeMap<>();
        final List<Departure> departures = new ArrayList<>();
    }

    static final String ROOT = "msgfolderroot";
    static final String INBOX = "inbox";
    static final String SENT_ITEMS = "sentitems";
    static final int MAX_GENERATED = 100_000;
    private static final String[][] WELL_KNOWN = {
            {"inbox", "Inbox"}, {"drafts", "Drafts"}, {"sentitems", "Sent Items"}, {"deleteditems", "Deleted Items"},
            {"junkemail", "Junk Email"}, {"archive", "Archive"}, {"outbox", "Outbox"},
            {"conversationhistory", "Conversation History"}};
    private static final Pattern REPLY_PREFIX = Pattern.compile("(re|fw|fwd):");
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private final MailboxInfo info;
    private final int number;
    private final InstantSource clock;
    private final MailboxChangeListener listener;
    private final Map<String, SimFolder> folders = new LinkedHashMap<>();
    private final Map<String, String> wellKnown = new HashMap<>();
    private final Map<String, SimMessage> messages = new HashMap<>();
    private final Map<String, FolderIndex> indexes = new HashMap<>();
    private final List<Departure> folderDepartures = new ArrayList<>();
    private final String rootId;
    private long sequence;
    private int epoch;
    private long messageCounter;
    private long folderCounter;

    SimMailbox(MailboxInfo info, int number, InstantSource clock, MailboxChangeListener listener) {
        this.info = info;
        this.number = number;
        this.clock = clock;
        this.listener = listener;
        SimFolder root = new SimFolder(folderId(++folderCounter), "Top of Information Store", null, ROOT, false, 0, 0, 0,
                ++sequence);
        folders.put(root.id(), root);
        indexes.put(root.id(), new FolderIndex());
        wellKnown.put(ROOT, root.id());
        rootId = root.id();
        for (String[] folder : WELL_KNOWN) {
            insertFolder(rootId, folder[1], folder[0], false);
        }
    }

    MailboxInfo info() {
        return info;
    }

    String id() {
        return info.id();
    }

    String address() {
        return info.address();
    }

    // --- folders ---

    synchronized String rootId() {
        return rootId;
    }

    /** The id of a folder given by id or by well-known name (any case), else 404 ErrorItemNotFound. */
    synchronized String resolveFolder(String idOrWellKnown) {
        if (idOrWellKnown != null) {
            if (folders.containsKey(idOrWellKnown)) {
                return idOrWellKnown;
            }
            String id = wellKnown.get(idOrWellKnown.toLowerCase(Locale.ROOT));
            if (id != null) {
                return id;
            }
        }
        throw GraphException.notFound("folder " + idOrWellKnown);
    }

    synchronized SimFolder folder(String idOrWellKnown) {
        return folders.get(resolveFolder(idOrWellKnown));
    }

    synchronized List<SimFolder> children(String idOrWellKnown, boolean includeHidden) {
        String parent = resolveFolder(idOrWellKnown);
        return folders.values().stream()
                .filter(f -> parent.equals(f.parentFolderId()) && (includeHidden || !f.isHidden()))
                .toList();
    }

    /** Every folder but the root, parents before their children. */
    synchronized List<SimFolder> folders() {
        return folders.values().stream().filter(f -> !f.id().equals(rootId)).toList();
    }

    synchronized SimFolder createFolder(String parentIdOrWellKnown, String displayName, boolean hidden) {
        String parent = parentIdOrWellKnown == null ? rootId : resolveFolder(parentIdOrWellKnown);
        requireNewName(parent, displayName);
        return insertFolder(parent, displayName.strip(), null, hidden);
    }

    synchronized SimFolder renameFolder(String idOrWellKnown, String displayName) {
        SimFolder folder = folders.get(resolveFolder(idOrWellKnown));
        if (folder.wellKnownName() != null) {
            throw GraphException.badRequest("well-known folders keep their names in the simulator");
        }
        requireNewName(folder.parentFolderId(), displayName);
        SimFolder renamed = folder.renamed(++sequence, displayName.strip());
        folders.put(renamed.id(), renamed);
        return renamed;
    }

    /** Deletes a folder, its subfolders and their messages (Outlook would move them to Deleted Items). */
    synchronized void deleteFolder(String idOrWellKnown) {
        SimFolder folder = folders.get(resolveFolder(idOrWellKnown));
        if (folder.wellKnownName() != null) {
            throw GraphException.badRequest("well-known folders can't be deleted");
        }
        deleteSubtree(folder.id());
    }

    private void deleteSubtree(String folderId) {
        for (SimFolder child : List.copyOf(folders.values())) {
            if (folderId.equals(child.parentFolderId())) {
                deleteSubtree(child.id());
            }
        }
        for (SimMessage message : List.copyOf(indexes.get(folderId).byVersion.values())) {
            apply(message, null, ++sequence, "deleted");
        }
        SimFolder folder = folders.remove(folderId);
        indexes.remove(folderId);
        folderDepartures.add(new Departure(++sequence, folderId, "deleted"));
        adjust(folder.parentFolderId(), -1, 0, 0);
    }

    private void requireNewName(String parentId, String displayName) {
        if (displayName == null || displayName.isBlank()) {
            throw GraphException.badRequest("a folder needs a displayName");
        }
        String name = displayName.strip();
        boolean taken = folders.values().stream()
                .anyMatch(f -> parentId.equals(f.parentFolderId()) && f.displayName().equalsIgnoreCase(name));
        if (taken) {
            throw new GraphException(409, "ErrorFolderExists", "A folder with the specified name already exists.");
        }
    }

    private SimFolder insertFolder(String parentId, String displayName, String wellKnownName, boolean hidden) {
        SimFolder folder = new SimFolder(folderId(++folderCounter), displayName, parentId, wellKnownName, hidden, 0, 0, 0,
                ++sequence);
        folders.put(folder.id(), folder);
        indexes.put(folder.id(), new FolderIndex());
        if (wellKnownName != null) {
            wellKnown.put(wellKnownName, folder.id());
        }
        adjust(parentId, 1, 0, 0);
        return folder;
    }

    private String childNamed(String parentId, String displayName) {
        return folders.values().stream()
                .filter(f -> parentId.equals(f.parentFolderId()) && f.displayName().equalsIgnoreCase(displayName))
                .map(SimFolder::id).findFirst()
                .orElseGet(() -> insertFolder(parentId, displayName, null, false).id());
    }

    /** Changes a folder's counts; a folder whose counts change gets a new version (the folder delta reports it). */
    private void adjust(String folderId, int children, int unread, int total) {
        if (children == 0 && unread == 0 && total == 0) {
            return;
        }
        SimFolder folder = folders.get(folderId);
        folders.put(folderId, folder.withCounts(++sequence, folder.childFolderCount() + children,
                folder.unreadItemCount() + unread, folder.totalItemCount() + total));
    }

    // --- messages ---

    synchronized SimMessage message(String id) {
        SimMessage message = id == null ? null : messages.get(id);
        if (message == null) {
            throw GraphException.notFound("message " + id);
        }
        return message;
    }

    synchronized List<SimMessage> messagesIn(String idOrWellKnown) {
        return List.copyOf(indexes.get(resolveFolder(idOrWellKnown)).byVersion.values());
    }

    synchronized int messageCount() {
        return messages.size();
    }

    synchronized SimMessage add(String folderIdOrWellKnown, NewMessage spec) {
        return insert(resolveFolder(folderIdOrWellKnown), spec, null);
    }

    /**
     * Changes what a person can change on a message; null leaves a property as it is. Even a change to the same
     * value makes a new version, like Graph's PATCH.
     */
    synchronized SimMessage update(String id, Boolean isRead, String flagStatus, String importance, List<String> categories) {
        SimMessage before = message(id);
        if (flagStatus != null && !SimMessage.FLAG_STATUSES.contains(flagStatus)) {
            throw GraphException.badRequest("flagStatus must be one of " + SimMessage.FLAG_STATUSES);
        }
        if (importance != null && !SimMessage.IMPORTANCES.contains(importance)) {
            throw GraphException.badRequest("importance must be one of " + SimMessage.IMPORTANCES);
        }
        SimMessage after = before.changed(++sequence, clock.instant(), isRead == null ? before.isRead() : isRead,
                before.parentFolderId(), flagStatus == null ? before.flagStatus() : flagStatus,
                importance == null ? before.importance() : importance, categories == null ? before.categories() : categories);
        apply(before, after, after.version(), null);
        return after;
    }

    /** Moves a message; its id stays the same. Moving to the folder it is in changes nothing. */
    synchronized SimMessage move(String id, String destinationIdOrWellKnown) {
        SimMessage before = message(id);
        String destination = resolveFolder(destinationIdOrWellKnown);
        if (destination.equals(before.parentFolderId())) {
            return before;
        }
        SimMessage after = before.changed(++sequence, clock.instant(), before.isRead(), destination, before.flagStatus(),
                before.importance(), before.categories());
        apply(before, after, after.version(), "changed");
        return after;
    }

    synchronized void delete(String id) {
        apply(message(id), null, ++sequence, "deleted");
    }

    /**
     * Adds {@code count} messages made from {@code seed}: the same seed makes the same messages (ids aside), spread
     * over Inbox, a child folder of it ("Projects"), "Receipts", Archive and Sent Items.
     */
    synchronized int generate(int count, long seed) {
        if (count < 1 || count > MAX_GENERATED) {
            throw GraphException.badRequest("count must be 1 to " + MAX_GENERATED);
        }
        String inbox = resolveFolder(INBOX);
        Map<MessageGenerator.Bucket, String> targets = Map.of(
                MessageGenerator.Bucket.INBOX, inbox,
                MessageGenerator.Bucket.PROJECTS, childNamed(inbox, "Projects"),
                MessageGenerator.Bucket.RECEIPTS, childNamed(rootId, "Receipts"),
                MessageGenerator.Bucket.ARCHIVE, resolveFolder("archive"),
                MessageGenerator.Bucket.SENT, resolveFolder(SENT_ITEMS));
        MessageGenerator generator = new MessageGenerator(seed, new Recipient(info.displayName(), info.address()));
        for (int i = 0; i < count; i++) {
            MessageGenerator.Generated generated = generator.next();
            insert(targets.get(generated.bucket()), generated.message(), generated.message().receivedDateTime());
        }
        return count;
    }

    private SimMessage insert(String folderId, NewMessage spec, Instant lastModified) {
        Instant now = clock.instant();
        Instant received = spec.receivedDateTime() == null ? now : spec.receivedDateTime();
        long counter = ++messageCounter;
        SimMessage message = new SimMessage(messageId(counter),
                "<" + Long.toString(counter, 36) + "." + number + "@" + domainOf(spec.from().address()) + ">",
                conversationId(spec.subject()), spec.subject(), spec.from(), spec.toRecipients(), spec.ccRecipients(),
                received, received.minusSeconds(2), spec.isRead(), spec.isDraft(), folderId,
                lastModified == null ? now : lastModified, ++sequence, spec.body(), spec.hasAttachments(),
                spec.importance(), spec.categories(), spec.flagStatus());
        apply(null, message, message.version(), null);
        return message;
    }

    /**
     * The one place where messages change: keeps the message map, the folder indexes, the departures and the folder
     * counts in step, then tells the listener.
     */
    private void apply(SimMessage before, SimMessage after, long version, String departureReason) {
        boolean sameFolder = before != null && after != null && before.parentFolderId().equals(after.parentFolderId());
        if (before != null) {
            FolderIndex index = indexes.get(before.parentFolderId());
            index.byVersion.remove(before.version());
            if (!sameFolder) {
                index.departures.add(new Departure(version, before.id(), departureReason));
            }
            messages.remove(before.id());
        }
        if (after != null) {
            indexes.get(after.parentFolderId()).byVersion.put(after.version(), after);
            messages.put(after.id(), after);
        }
        if (sameFolder) {
            adjust(after.parentFolderId(), 0, unread(after) - unread(before), 0);
        } else {
            if (before != null) {
                adjust(before.parentFolderId(), 0, -unread(before), -1);
            }
            if (after != null) {
                adjust(after.parentFolderId(), 0, unread(after), 1);
            }
        }
        listener.messageChanged(info, before, after);
    }

    private static int unread(SimMessage message) {
        return message.isRead() ? 0 : 1;
    }

    // --- delta ---

    synchronized int epoch() {
        return epoch;
    }

    synchronized long sequence() {
        return sequence;
    }

    /** Makes every delta and skip token of this mailbox stale (410 SyncStateNotFound), and forgets departures. */
    synchronized void expireDeltaTokens() {
        epoch++;
        indexes.values().forEach(index -> index.departures.clear());
        folderDepartures.clear();
    }

    /**
     * A folder's messages ({@code since < 0}: all of them) or what changed in it after {@code since}: messages that
     * left it (removed entries) and messages in it with a newer version (their latest version only).
     */
    synchronized Changes messageChanges(String folderId, long since) {
        FolderIndex index = indexes.get(folderId);
        if (index == null) {
            throw GraphException.notFound("folder " + folderId);
        }
        List<Object> entries = new ArrayList<>();
        if (since < 0) {
            entries.addAll(index.byVersion.values());
        } else {
            Map<String, String> gone = new LinkedHashMap<>();
            for (int i = firstAfter(index.departures, since); i < index.departures.size(); i++) {
                Departure departure = index.departures.get(i);
                SimMessage now = messages.get(departure.id());
                // A message that left and came back is reported as present (its new version), not as removed.
                if (now == null || !now.parentFolderId().equals(folderId)) {
                    gone.put(departure.id(), departure.reason());
                }
            }
            gone.forEach((id, reason) -> entries.add(new Removed(id, reason)));
            entries.addAll(index.byVersion.tailMap(since, false).values());
        }
        return new Changes(sequence, epoch, entries);
    }

    /** The folder tree ({@code since < 0}) or the folders changed or deleted after {@code since}; parents first. */
    synchronized Changes folderChanges(long since) {
        List<Object> entries = new ArrayList<>();
        if (since >= 0) {
            for (int i = firstAfter(folderDepartures, since); i < folderDepartures.size(); i++) {
                entries.add(new Removed(folderDepartures.get(i).id(), "deleted"));
            }
        }
        folders.values().stream()
                .filter(f -> !f.id().equals(rootId) && f.version() > since)
                .forEach(entries::add);
        return new Changes(sequence, epoch, entries);
    }

    private static int firstAfter(List<Departure> departures, long since) {
        int low = 0;
        int high = departures.size();
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (departures.get(mid).version() <= since) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    synchronized MailboxSnapshot snapshot() {
        List<SimMessage> all = new ArrayList<>(messages.values());
        all.sort(Comparator.comparing(SimMessage::id));
        return new MailboxSnapshot(info, sequence, List.copyOf(folders.values()), List.copyOf(all));
    }

    // --- ids ---

    private String messageId(long counter) {
        return "AAMkAGI" + encode(counter);
    }

    private String folderId(long counter) {
        return "AQMkAGI" + encode(counter);
    }

    private String encode(long counter) {
        return BASE64URL.encodeToString(ByteBuffer.allocate(12).putInt(number).putLong(counter).array());
    }

    private String conversationId(String subject) {
        String topic = subject.toLowerCase(Locale.ROOT);
        while (REPLY_PREFIX.matcher(topic).lookingAt()) {
            topic = topic.substring(topic.indexOf(':') + 1).strip();
        }
        long hash = 1125899906842597L;
        for (int i = 0; i < topic.length(); i++) {
            hash = 31 * hash + topic.charAt(i);
        }
        return "AAQkAGI" + encode(hash);
    }

    private static String domainOf(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? "simulator.invalid" : address.substring(at + 1);
    }
}

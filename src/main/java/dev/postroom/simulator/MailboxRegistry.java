package dev.postroom.simulator;

import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/** Every simulated mailbox, by address (any case) and by Graph user id. */
@ApplicationScoped
class MailboxRegistry {

    private static final Pattern ADDRESS = Pattern.compile("[^@\\s<>\"]+@[^@\\s<>\"]+\\.[^@\\s<>\"]+");

    private final Map<String, SimMailbox> byAddress = new ConcurrentHashMap<>();
    private final Map<String, SimMailbox> byId = new ConcurrentHashMap<>();
    private final SimClock clock;
    private final SubscriptionNotifier notifier;
    private int created;

    MailboxRegistry(SimClock clock, SubscriptionNotifier notifier) {
        this.clock = clock;
        this.notifier = notifier;
    }

    /** Creates a mailbox; its ids follow from the address, so the same address always gets the same user id. */
    synchronized SimMailbox create(String address, String displayName, boolean personal) {
        if (address == null || !ADDRESS.matcher(address.strip()).matches()) {
            throw GraphException.badRequest("not an email address: " + address);
        }
        String normalized = address.strip();
        String key = normalized.toLowerCase(Locale.ROOT);
        if (byAddress.containsKey(key)) {
            throw new GraphException(409, "ErrorMailboxExists", "a mailbox " + normalized + " exists already");
        }
        UUID uuid = UUID.nameUUIDFromBytes(("postroom-simulator:" + key).getBytes(StandardCharsets.UTF_8));
        // Personal Microsoft accounts have 16-hex-digit user ids; work accounts have GUIDs.
        String id = personal ? HexFormat.of().toHexDigits(uuid.getMostSignificantBits()) : uuid.toString();
        String name = displayName == null || displayName.isBlank() ? normalized.substring(0, normalized.indexOf('@')) : displayName.strip();
        MailboxInfo info = new MailboxInfo(id, normalized, name, personal,
                personal ? MailboxInfo.CONSUMER_TENANT : MailboxInfo.SIMULATED_TENANT);
        SimMailbox mailbox = new SimMailbox(info, ++created, clock, notifier);
        byId.put(id, mailbox);
        byAddress.put(key, mailbox);
        return mailbox;
    }

    /** Forgets a mailbox; its tokens stop working (401), its address may be created again. */
    synchronized void delete(String address) {
        SimMailbox mailbox = require(address);
        byAddress.remove(mailbox.address().toLowerCase(Locale.ROOT));
        byId.remove(mailbox.id());
    }

    Optional<SimMailbox> byAddress(String address) {
        return address == null ? Optional.empty() : Optional.ofNullable(byAddress.get(address.strip().toLowerCase(Locale.ROOT)));
    }

    Optional<SimMailbox> byId(String id) {
        return id == null ? Optional.empty() : Optional.ofNullable(byId.get(id));
    }

    /** The mailbox of this address, else 404 ErrorItemNotFound. */
    SimMailbox require(String address) {
        return byAddress(address).orElseThrow(() -> GraphException.notFound("mailbox " + address));
    }

    List<SimMailbox> all() {
        return byAddress.values().stream().sorted(Comparator.comparing(SimMailbox::address)).toList();
    }
}

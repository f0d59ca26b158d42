package dev.postroom.simulator;

import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The simulator's Java API, for tests, the simulator's pages and its admin endpoints: make mailboxes and mail, act
 * like a person in Outlook, and make trouble (revoked tokens, stale delta links, throttling, faults). Application
 * code never uses it: it reaches the simulator over HTTP only, as it would reach Microsoft.
 *
 * <p>Mailboxes are named by address (any case); folders by id or well-known name ({@code inbox}, {@code archive},
 * ...); messages by id. Unknown ones throw {@link GraphException} with status 404. Everything is thread-safe.
 */
@ApplicationScoped
public class OutlookSimulator {

    private final MailboxRegistry mailboxes;
    private final LoginService login;
    private final DeltaService delta;
    private final Throttle throttle;
    private final SubscriptionNotifier notifier;
    private final SimClock clock;
    private volatile Boolean singleTenant;
    private final SimulatorConfig config;

    OutlookSimulator(MailboxRegistry mailboxes, LoginService login, DeltaService delta, Throttle throttle,
            SubscriptionNotifier notifier, SimClock clock, SimulatorConfig config) {
        this.mailboxes = mailboxes;
        this.login = login;
        this.delta = delta;
        this.throttle = throttle;
        this.notifier = notifier;
        this.clock = clock;
        this.config = config;
    }

    // --- mailboxes ---

    /** Creates a mailbox with the well-known folders; 409 if the address exists. Personal: {@code /me.mail} is null. */
    public MailboxInfo createMailbox(String address, String displayName, boolean personal) {
        return mailboxes.create(address, displayName, personal).info();
    }

    /** Deletes a mailbox and everything in it; its access tokens answer 401 from now on. */
    public void deleteMailbox(String address) {
        mailboxes.delete(address);
    }

    public Optional<MailboxInfo> mailbox(String address) {
        return mailboxes.byAddress(address).map(SimMailbox::info);
    }

    public List<MailboxInfo> mailboxes() {
        return mailboxes.all().stream().map(SimMailbox::info).toList();
    }

    /** How many messages the mailbox holds. */
    public int messageCount(String address) {
        return mailboxes.require(address).messageCount();
    }

    /** Every folder and message of the mailbox at one instant (messages ordered by id). */
    public MailboxSnapshot snapshot(String address) {
        return mailboxes.require(address).snapshot();
    }

    // --- messages ---

    /**
     * Adds {@code count} (1 to 100,000) messages made from {@code seed} (same seed, same messages) over Inbox,
     * Inbox/Projects, Receipts, Archive and Sent Items. Returns the number added.
     */
    public int generateMessages(String address, int count, long seed) {
        return mailboxes.require(address).generate(count, seed);
    }

    /** Puts a new message into a folder (id or well-known name, e.g. {@code inbox}), as if it just arrived. */
    public SimMessage addMessage(String address, String folder, NewMessage message) {
        return mailboxes.require(address).add(folder, message);
    }

    /** New unread mail in the Inbox from {@code from} ("Name &lt;address&gt;" or an address). */
    public SimMessage newMail(String address, String subject, String from) {
        return addMessage(address, SimMailbox.INBOX, NewMessage.of(subject, from, address));
    }

    public SimMessage message(String address, String messageId) {
        return mailboxes.require(address).message(messageId);
    }

    /** Messages now in a folder, oldest change first. */
    public List<SimMessage> messagesIn(String address, String folder) {
        return mailboxes.require(address).messagesIn(folder);
    }

    public SimMessage markRead(String address, String messageId, boolean read) {
        return mailboxes.require(address).update(messageId, read, null, null, null);
    }

    /** {@code flagStatus}: notFlagged, flagged or complete. */
    public SimMessage flag(String address, String messageId, String flagStatus) {
        return mailboxes.require(address).update(messageId, null, flagStatus, null, null);
    }

    /** Any of the changeable properties; null leaves one as it is. */
    public SimMessage updateMessage(String address, String messageId, Boolean isRead, String flagStatus, String importance,
            List<String> categories) {
        return mailboxes.require(address).update(messageId, isRead, flagStatus, importance, categories);
    }

    /** Moves a message to a folder (id or well-known name); the id stays the same. */
    public SimMessage move(String address, String messageId, String destinationFolder) {
        return mailboxes.require(address).move(messageId, destinationFolder);
    }

    public void delete(String address, String messageId) {
        mailboxes.require(address).delete(messageId);
    }

    // --- folders ---

    /** Creates a folder under a parent (id or well-known name; null for the top level). 409 for a taken name. */
    public SimFolder createFolder(String address, String parentFolder, String displayName) {
        return mailboxes.require(address).createFolder(parentFolder, displayName, false);
    }

    /** Creates a hidden folder ({@code isHidden}: listed only with {@code includeHiddenFolders=true}). */
    public SimFolder createHiddenFolder(String address, String parentFolder, String displayName) {
        return mailboxes.require(address).createFolder(parentFolder, displayName, true);
    }

    public SimFolder renameFolder(String address, String folder, String displayName) {
        return mailboxes.require(address).renameFolder(folder, displayName);
    }

    /** Deletes a folder with its subfolders and messages; well-known folders can't be deleted. */
    public void deleteFolder(String address, String folder) {
        mailboxes.require(address).deleteFolder(folder);
    }

    /** The folder's id, given its id or well-known name. */
    public String folderId(String address, String folder) {
        return mailboxes.require(address).resolveFolder(folder);
    }

    public SimFolder folder(String address, String folder) {
        return mailboxes.require(address).folder(folder);
    }

    /** Every folder but the root (msgfolderroot), parents before children. */
    public List<SimFolder> folders(String address) {
        return mailboxes.require(address).folders();
    }

    // --- sign-in and tokens ---

    /** Every refresh token of the mailbox stops working: the next refresh answers invalid_grant (AADSTS50173). */
    public void revokeRefreshTokens(String address) {
        login.revokeRefreshTokens(mailboxes.require(address).id());
    }

    /** Every access token of the mailbox expires now: Graph answers 401 InvalidAuthenticationToken. */
    public void expireAccessTokens(String address) {
        login.expireAccessTokens(mailboxes.require(address).id());
    }

    /** Lifetime of access tokens issued from now on; null goes back to postroom.simulator.access-token-lifetime. */
    public void setAccessTokenLifetime(Duration lifetime) {
        login.setAccessTokenLifetime(lifetime);
    }

    /** Overrides postroom.simulator.single-tenant (null: back to the configuration). */
    public void setSingleTenant(Boolean singleTenant) {
        this.singleTenant = singleTenant;
    }

    public boolean singleTenant() {
        Boolean override = singleTenant;
        return override != null ? override : config.singleTenant();
    }

    /** Moves the simulator's clock forward: codes, tokens and subscriptions expire as if that time had passed. */
    public void advanceClock(Duration by) {
        clock.advance(by);
    }

    // --- delta ---

    /** Every delta and skip token of the mailbox answers 410 SyncStateNotFound from now on. */
    public void expireDeltaTokens(String address) {
        SimMailbox mailbox = mailboxes.require(address);
        mailbox.expireDeltaTokens();
        delta.forget(mailbox.id());
    }

    // --- throttling and faults ---

    /** Faults for one mailbox; null makes it follow the faults for all mailboxes again. */
    public void setFaults(String address, Faults faults) {
        throttle.setFaults(mailboxes.require(address).id(), faults);
    }

    /** Faults for every mailbox that has none of its own. */
    public void setFaults(Faults faults) {
        throttle.setGlobalFaults(faults);
    }

    public Faults faults(String address) {
        return throttle.faults(mailboxes.require(address).id());
    }

    public Faults globalFaults() {
        return throttle.globalFaults();
    }

    /** Throttling limits of one mailbox (the request window restarts); null goes back to the configured ones. */
    public void setLimits(String address, Limits limits) {
        throttle.setLimits(mailboxes.require(address).id(), limits);
    }

    public Limits limits(String address) {
        return throttle.limits(mailboxes.require(address).id());
    }

    public ThrottleStats stats(String address) {
        return throttle.stats(mailboxes.require(address).id());
    }

    /** Zeroes the statistics, the request window and any running Retry-After of the mailbox. */
    public void resetStats(String address) {
        throttle.resetStats(mailboxes.require(address).id());
    }

    // --- subscriptions ---

    public List<SubscriptionInfo> subscriptions(String address) {
        return notifier.of(mailboxes.require(address).id()).stream().map(SubscriptionNotifier.Subscription::info).toList();
    }

    /**
     * Sends a lifecycle event to every subscription of the mailbox that has a lifecycleNotificationUrl:
     * {@code missed}, {@code reauthorizationRequired} or {@code subscriptionRemoved} (which also ends them).
     */
    public void triggerLifecycleEvent(String address, String event) {
        if (!List.of("missed", "reauthorizationRequired", "subscriptionRemoved").contains(event)) {
            throw new IllegalArgumentException("unknown lifecycle event " + event);
        }
        notifier.of(mailboxes.require(address).id()).forEach(subscription -> notifier.lifecycle(subscription, event));
    }
}

package dev.postroom.account;

import dev.postroom.provider.AccessToken;
import dev.postroom.provider.AuthorizationFailedException;
import dev.postroom.provider.MailProviders;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Valid access tokens for linked mailboxes, for everything that calls the provider's API (the sync engine first).
 *
 * <ul>
 *   <li>{@link #accessToken}: the stored token while it is valid for more than {@code postroom.outlook.refresh-before}
 *       (default 5 minutes), else a refreshed one;</li>
 *   <li>{@link #refreshAfterUnauthorized}: a refreshed one, after the API answered 401 to the current one.</li>
 * </ul>
 * Refresh tokens rotate: each refresh stores the new one. So that one is never used twice, the callers of one
 * instance share a refresh in flight, and instances take turns through a row lock on the mailbox's tokens (whoever
 * comes second finds the fresh token and does not refresh again). A refresh refused with {@code invalid_grant}
 * marks the mailbox {@code needs_relink} and fails with {@link MailboxNeedsRelinkException}, as do all later calls
 * until the person links it again. Network and server failures fail with the provider's exceptions and change
 * nothing.
 */
@ApplicationScoped
public class OutlookTokens {

    private static final Logger LOG = Logger.getLogger(OutlookTokens.class);

    private final Pool pool;
    private final MailboxTokenStore store;
    private final LinkedMailboxes mailboxes;
    private final MailProviders providers;
    private final Duration refreshBefore;
    /** Refreshes in flight on this instance, by mailbox: later callers join the running one. */
    private final ConcurrentMap<UUID, Uni<AccessToken>> refreshing = new ConcurrentHashMap<>();

    public OutlookTokens(Pool pool, MailboxTokenStore store, LinkedMailboxes mailboxes, MailProviders providers,
            @ConfigProperty(name = "postroom.outlook.refresh-before", defaultValue = "PT5M") Duration refreshBefore) {
        this.pool = pool;
        this.store = store;
        this.mailboxes = mailboxes;
        this.providers = providers;
        this.refreshBefore = refreshBefore;
    }

    /** A valid access token for the mailbox, refreshed first when it expires within the margin. */
    public Uni<AccessToken> accessToken(UUID mailboxId) {
        return store.load(pool, mailboxId).chain(found -> {
            MailboxTokenStore.Stored stored = found.orElseThrow(() -> new MailboxNotFoundException(mailboxId));
            requireActive(stored);
            if (!stored.accessToken().expiresWithin(refreshBefore, Instant.now())) {
                return Uni.createFrom().item(stored.accessToken());
            }
            return shared(mailboxId, () -> refresh(mailboxId, null, false));
        });
    }

    /** A new access token, whatever the stored one's expiry: for after the API refused the token with a 401. */
    public Uni<AccessToken> refreshAfterUnauthorized(UUID mailboxId) {
        return shared(mailboxId, () -> refresh(mailboxId, null, true));
    }

    /**
     * Like {@link #refreshAfterUnauthorized(UUID)}, but only if the stored token is still {@code rejected}: when
     * another caller has refreshed meanwhile, its token is returned without refreshing again.
     */
    public Uni<AccessToken> refreshAfterUnauthorized(UUID mailboxId, AccessToken rejected) {
        return shared(mailboxId, () -> refresh(mailboxId, rejected, true));
    }

    /** Runs {@code work} unless a refresh of this mailbox is in flight on this instance, in which case joins it. */
    private Uni<AccessToken> shared(UUID mailboxId, Supplier<Uni<AccessToken>> work) {
        return Uni.createFrom().deferred(() -> refreshing.computeIfAbsent(mailboxId, id -> {
            AtomicReference<Uni<AccessToken>> self = new AtomicReference<>();
            Uni<AccessToken> flight = Uni.createFrom().deferred(work::get)
                    .onTermination().invoke(() -> refreshing.remove(id, self.get()))
                    .memoize().indefinitely();
            self.set(flight);
            return flight;
        }));
    }

    private enum Outcome {
        REFRESHED, NEEDS_RELINK
    }

    private record Result(Outcome outcome, AccessToken token) {
    }

    private Uni<AccessToken> refresh(UUID mailboxId, AccessToken rejected, boolean force) {
        return pool.withTransaction(tx -> store.loadForUpdate(tx, mailboxId).chain(found -> {
            MailboxTokenStore.Stored stored = found.orElseThrow(() -> new MailboxNotFoundException(mailboxId));
            if (stored.status() != LinkedMailbox.Status.ACTIVE) {
                return Uni.createFrom().item(new Result(Outcome.NEEDS_RELINK, null));
            }
            // Whoever held the lock before us may have refreshed already.
            boolean stillFresh = !stored.accessToken().expiresWithin(refreshBefore, Instant.now());
            boolean replaced = rejected != null && !rejected.token().equals(stored.accessToken().token());
            if ((!force && stillFresh) || replaced) {
                return Uni.createFrom().item(new Result(Outcome.REFRESHED, stored.accessToken()));
            }
            return providers.get(stored.provider()).refresh(stored.refreshToken())
                    .chain(grant -> store.save(tx, mailboxId, grant.accessToken(),
                                    // Microsoft rotates refresh tokens; keep the old one only if none came back.
                                    grant.refreshToken() != null ? grant.refreshToken() : stored.refreshToken())
                            .replaceWith(new Result(Outcome.REFRESHED, grant.accessToken())))
                    .onFailure(AuthorizationFailedException.class)
                    .recoverWithUni(failure -> {
                        AuthorizationFailedException refused = (AuthorizationFailedException) failure;
                        if (!refused.invalidGrant()) {
                            return Uni.createFrom().failure(refused);
                        }
                        LOG.warnf("mailbox %s: the refresh token was refused (%s); marked needs_relink", mailboxId,
                                refused.error());
                        return mailboxes.setStatus(tx, mailboxId, LinkedMailbox.Status.NEEDS_RELINK)
                                .replaceWith(new Result(Outcome.NEEDS_RELINK, null));
                    });
        })).map(result -> {
            // Thrown after the commit: the needs_relink status must be stored, not rolled back with the failure.
            if (result.outcome() == Outcome.NEEDS_RELINK) {
                throw new MailboxNeedsRelinkException(mailboxId);
            }
            return result.token();
        });
    }

    private static void requireActive(MailboxTokenStore.Stored stored) {
        if (stored.status() != LinkedMailbox.Status.ACTIVE) {
            throw new MailboxNeedsRelinkException(stored.mailboxId());
        }
    }
}

package dev.postroom.provider;

import dev.postroom.mail.Secret;
import io.smallrye.mutiny.Uni;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The port every mail backend implements: linking an account over OAuth 2.0 (authorization code with PKCE), keeping
 * its tokens fresh, reading who the account is, and reading the mailbox as delta rounds (the folder tree, then each
 * folder's messages), with change notifications that tell when to run a round sooner.
 *
 * <p>Delta rounds: the first call of a round passes {@code link = null} (a full read) or the delta link the previous
 * round ended with; each page answers the link to call next. A link is stored only after its page's changes were
 * applied, so a crash replays at most one page (changes are idempotent).
 *
 * <p>Failures: {@link AuthorizationFailedException} for OAuth errors (notably {@code invalid_grant}),
 * {@link ProviderUnauthorizedException} when the API refuses an access token, {@link ProviderUnavailableException}
 * for network and server errors and throttling (with the provider's Retry-After), {@link SyncStateLostException} when
 * a delta link is no longer known, {@link ResourceGoneException} when a folder or subscription is gone,
 * {@link ProviderNotConfiguredException} when a setting is missing.
 */
public interface MailProvider {

    /** The provider's name as stored with linked mailboxes, e.g. {@code outlook}. */
    String kind();

    /** Fails with {@link ProviderNotConfiguredException} naming what to set when linking cannot work. */
    void requireConfigured();

    /**
     * Where to send the person's browser to sign in and consent.
     *
     * @param state         opaque value the callback must return unchanged (binds the answer to this attempt)
     * @param codeChallenge PKCE S256 challenge of the verifier kept for {@link #exchangeCode}
     * @param loginHint     an address to pre-fill, or null
     */
    URI authorizationUrl(String state, String codeChallenge, String loginHint);

    /** Redeems an authorization code (single use) with the PKCE verifier. */
    Uni<TokenGrant> exchangeCode(Secret code, Secret codeVerifier);

    /** Gets a new access token; the answer usually carries a new refresh token that replaces the old one. */
    Uni<TokenGrant> refresh(Secret refreshToken);

    /** The account the access token belongs to. */
    Uni<ProviderUser> currentUser(AccessToken accessToken);

    /** Explains an OAuth error (from the callback or the token endpoint) to the person who was linking. */
    Advice explain(String error, String description);

    /**
     * The well-known folder names the mirror recognises folders by, for {@link #wellKnownFolderId}. Display names are
     * localised: a well-known name is how a folder is recognised.
     */
    List<String> WELL_KNOWN_FOLDERS = List.of("inbox", "sentitems", "drafts", "deleteditems", "junkemail", "archive");

    /**
     * The id of one well-known folder (one of {@link #WELL_KNOWN_FOLDERS}), or empty when the mailbox has no such
     * folder. Exactly one request per call: callers count every request against the mailbox's limit of requests in
     * flight, so they ask for the names one by one, at the pace they choose.
     */
    Uni<Optional<String>> wellKnownFolderId(MailboxSession session, String wellKnownName);

    /**
     * One page of the folder tree's delta: {@code FolderUpserted} for folders created or changed (parents before
     * children), {@code FolderRemoved} for deleted ones. Folder documents carry no well-known name: the caller adds it.
     */
    Uni<DeltaPage> folderDelta(MailboxSession session, String link);

    /**
     * One page of a folder's message delta: {@code Upserted} for messages now in the folder (new or changed),
     * {@code RemovedFromFolder} for messages that left it (deleted or moved out). {@code syncedAt} of the documents is
     * left null: the caller stamps it.
     *
     * @param pageSize the page size to ask for (the provider may serve fewer)
     */
    Uni<DeltaPage> messageDelta(MailboxSession session, FolderRef folder, String link, int pageSize);

    /**
     * Asks the provider to POST change notifications for every message of the mailbox to {@code notificationUrl}
     * (and lifecycle events to {@code lifecycleUrl}) until {@code expiresAt}, carrying {@code clientState}.
     */
    Uni<Subscription> subscribe(MailboxSession session, URI notificationUrl, URI lifecycleUrl, String clientState,
            Instant expiresAt);

    /** Extends a subscription; fails with {@link ResourceGoneException} if the provider no longer has it. */
    Uni<Subscription> renewSubscription(MailboxSession session, String subscriptionId, Instant expiresAt);

    /** Removes a subscription; one the provider no longer has counts as removed. */
    Uni<Void> unsubscribe(MailboxSession session, String subscriptionId);
}

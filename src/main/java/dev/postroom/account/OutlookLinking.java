package dev.postroom.account;

import dev.postroom.mail.Secret;
import dev.postroom.provider.Advice;
import dev.postroom.provider.AuthorizationFailedException;
import dev.postroom.provider.MailProvider;
import dev.postroom.provider.MailProviders;
import dev.postroom.provider.TokenGrant;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.net.URI;
import java.util.UUID;

/**
 * Linking an Outlook mailbox: OAuth 2.0 authorization code flow with PKCE.
 *
 * <ol>
 *   <li>{@link #start}: a new state bound to the user (with the PKCE verifier and the returnTo) and the authorization
 *       URL to open;</li>
 *   <li>the person signs in at Microsoft, which redirects to {@code /oauth/outlook/callback};</li>
 *   <li>{@link #complete}: the state is used up, the code exchanged (with the verifier), {@code /me} read, the mailbox
 *       upserted and its tokens sealed in one transaction, a sync requested and the "linked" event published.</li>
 * </ol>
 * Errors the identity platform sends to the callback go to {@link #fail}.
 */
@ApplicationScoped
public class OutlookLinking {

    public static final String PROVIDER = "outlook";
    private static final Logger LOG = Logger.getLogger(OutlookLinking.class);

    /** A completed link: the mailbox and where to send the browser ({@code returnTo} or "/", with {@code ?linked=id}). */
    public record Linked(LinkedMailbox mailbox, String redirectTo) {
    }

    /** A failed link: what to tell the person, and where "back" is. */
    public record Failed(Advice advice, String backTo) {
    }

    private final MailProviders providers;
    private final TokenVault vault;
    private final OAuthStates states;
    private final LinkedMailboxes mailboxes;
    private final MailboxTokenStore tokens;
    private final MailboxEvents events;
    private final ReturnToPolicy returnToPolicy;
    private final Pool pool;

    public OutlookLinking(MailProviders providers, TokenVault vault, OAuthStates states, LinkedMailboxes mailboxes,
            MailboxTokenStore tokens, MailboxEvents events, ReturnToPolicy returnToPolicy, Pool pool) {
        this.providers = providers;
        this.vault = vault;
        this.states = states;
        this.mailboxes = mailboxes;
        this.tokens = tokens;
        this.events = events;
        this.returnToPolicy = returnToPolicy;
        this.pool = pool;
    }

    /**
     * Starts linking a mailbox for {@code userId}: the URL to open in the browser. {@code returnTo} (checked against
     * the allow-list) is where the browser lands afterwards; {@code loginHint} pre-fills the account (may be null).
     */
    public Uni<URI> start(UUID userId, String returnTo, String loginHint) {
        return Uni.createFrom().deferred(() -> {
            MailProvider outlook = outlook();
            outlook.requireConfigured();
            vault.requireConfigured();
            String checkedReturnTo = returnToPolicy.check(returnTo);
            return states.create(userId, checkedReturnTo)
                    .map(started -> outlook.authorizationUrl(started.state(), started.codeChallenge(), loginHint));
        });
    }

    /** Signs in again to a mailbox of the user's (e.g. one that needs_relink): the account is pre-filled. */
    public Uni<URI> relink(UUID userId, UUID mailboxId, String returnTo) {
        return mailboxes.find(userId, mailboxId).chain(found -> found
                .map(mailbox -> start(userId, returnTo, mailbox.address()))
                .orElseGet(() -> Uni.createFrom().failure(new MailboxNotFoundException(mailboxId))));
    }

    /**
     * The callback with a code: completes the link. Fails with {@link LinkStateException} for a bad state,
     * {@link AuthorizationFailedException} when Microsoft refuses the code, and the provider's other failures.
     */
    public Uni<Linked> complete(String state, String code) {
        MailProvider outlook = outlook();
        return states.consume(state).chain(pending -> {
            if (code == null || code.isBlank()) {
                return Uni.createFrom().<Linked>failure(new AuthorizationFailedException("invalid_request",
                        "the callback has neither a code nor an error"));
            }
            return outlook.exchangeCode(Secret.of(code), pending.codeVerifier())
                    .chain(grant -> {
                        if (grant.refreshToken() == null) {
                            return Uni.createFrom().<LinkedMailbox>failure(new AuthorizationFailedException("invalid_scope",
                                    "no refresh token was granted: the offline_access permission is missing"));
                        }
                        return outlook.currentUser(grant.accessToken())
                                .chain(account -> pool.withTransaction(tx -> mailboxes
                                        .upsertLinked(tx, pending.userId(), PROVIDER, account)
                                        .call(mailbox -> tokens.save(tx, mailbox.id(), grant.accessToken(),
                                                grant.refreshToken()))));
                    })
                    .call(events::linked)
                    .invoke(mailbox -> LOG.infof("user %s linked Outlook mailbox %s", mailbox.userId(), mailbox.id()))
                    .map(mailbox -> new Linked(mailbox, redirect(pending.returnTo(), mailbox.id())));
        });
    }

    /**
     * The callback with an error from the identity platform (e.g. {@code access_denied}, AADSTS50020): uses up the
     * state, if any, and explains. Never fails.
     */
    public Uni<Failed> fail(String state, String error, String description) {
        MailProvider outlook = outlook();
        Advice advice = outlook.explain(error, description);
        LOG.infof("Outlook link failed at the identity platform: %s (%s)", error, advice.code());
        return states.consume(state)
                .map(OAuthStates.Pending::returnTo)
                .onFailure().recoverWithItem(failure -> {
                    if (!(failure instanceof LinkStateException)) {
                        LOG.warnf("could not use up the state of a failed link: %s", failure.toString());
                    }
                    return null;
                })
                .map(returnTo -> new Failed(advice, returnTo == null ? "/" : returnTo));
    }

    /** Explains a refusal of the token endpoint (e.g. a PKCE mismatch) like an error sent to the callback. */
    public Advice explain(AuthorizationFailedException failure) {
        return outlook().explain(failure.error(), failure.description());
    }

    private MailProvider outlook() {
        return providers.get(PROVIDER);
    }

    /** {@code returnTo} (or "/") with {@code linked=<id>} added to its query, before any fragment. */
    static String redirect(String returnTo, UUID mailboxId) {
        String base = returnTo == null ? "/" : returnTo;
        String fragment = "";
        int hash = base.indexOf('#');
        if (hash >= 0) {
            fragment = base.substring(hash);
            base = base.substring(0, hash);
        }
        return base + (base.contains("?") ? "&" : "?") + "linked=" + mailboxId + fragment;
    }
}

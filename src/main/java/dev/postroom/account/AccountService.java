package dev.postroom.account;

import dev.postroom.account.AccountException.FieldError;
import dev.postroom.account.AccountException.Reason;
import dev.postroom.mail.EmailAddress;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Local accounts: sign-up, sign-in, sessions and personal API keys. Secrets (passwords, session tokens, API keys)
 * are only ever stored hashed and are returned to the caller exactly once, at creation.
 */
@ApplicationScoped
public class AccountService {

    public static final int MIN_PASSWORD_LENGTH = 10;
    public static final int MAX_PASSWORD_LENGTH = 200;
    public static final int MAX_KEY_NAME_LENGTH = 100;
    static final String KEY_PREFIX = "pr_";
    /** What a key list shows of each key: "pr_" and 5 characters, enough to tell keys apart, useless to guess. */
    static final int SHOWN_PREFIX_LENGTH = 8;
    private static final String FIRST_KEY_NAME = "default";
    private static final Pattern CONTROL = Pattern.compile("[\\x00-\\x1f\\x7f]");
    private static final String BAD_CREDENTIALS = "the email or the password is wrong";

    private final Passwords passwords;
    private final Duration sessionLifetime;
    private final List<String> returnToAllowed;

    public AccountService(Passwords passwords, AccountsConfig config) {
        this.passwords = passwords;
        this.sessionLifetime = config.sessionLifetime();
        this.returnToAllowed = List.copyOf(config.returnToAllowed());
    }

    /** A local user as the API shows it. */
    public record Account(UUID id, String email, Instant createdAt) {
        static Account of(AppUser user) {
            return new Account(user.id, user.email, user.createdAt);
        }
    }

    /** A personal API key just made: {@code key} is the secret, never shown again. */
    public record NewKey(UUID id, String name, String key, String prefix, Instant createdAt) {
    }

    /** A personal API key as lists show it: no secret. */
    public record KeyInfo(UUID id, String name, String prefix, Instant createdAt, Instant lastUsedAt, Instant revokedAt) {
        static KeyInfo of(UserApiKey key) {
            return new KeyInfo(key.id, key.name, key.keyPrefix, key.createdAt, key.lastUsedAt, key.revokedAt);
        }
    }

    /** A session just started: {@code token} is the cookie's value. */
    public record Session(String token, Instant expiresAt) {
    }

    /** What sign-up made: the account, its first API key, a session, and the validated returnTo (or null). */
    public record SignedUp(Account account, NewKey apiKey, Session session, String returnTo) {
    }

    public record SignedIn(Account account, Session session) {
    }

    /**
     * Creates an account with a first API key ("default") and a session. Every invalid field is reported at once;
     * an address that already has an account (whatever its case) is {@link Reason#EMAIL_TAKEN}.
     */
    public Uni<SignedUp> signUp(String email, String password, String returnTo) {
        List<FieldError> errors = new ArrayList<>();
        String address = address(email, errors);
        checkPassword(password, errors);
        checkReturnTo(returnTo, errors);
        if (!errors.isEmpty()) {
            return Uni.createFrom().failure(AccountException.invalid(errors));
        }
        return passwords.hash(password).flatMap(hash -> Panache.withTransaction(() -> AppUser.findByEmail(address)
                        .flatMap(existing -> {
                            if (existing != null) {
                                return Uni.createFrom().failure(emailTaken());
                            }
                            AppUser user = new AppUser();
                            user.id = UUID.randomUUID();
                            user.email = address;
                            user.passwordHash = hash;
                            user.createdAt = now();
                            return user.persist()
                                    .flatMap(ignored -> newKey(user.id, FIRST_KEY_NAME))
                                    .flatMap(key -> newSession(user.id)
                                            .map(session -> new SignedUp(Account.of(user), key, session, returnTo)));
                        })))
                // Two sign-ups with the same address at the same moment: the unique index decides.
                .onFailure(AccountService::isUniqueViolation).transform(ignored -> emailTaken());
    }

    /**
     * Checks the credentials and starts a session. A wrong password and an unknown email fail alike, in about the
     * same time (an unknown email is checked against a dummy hash).
     */
    public Uni<SignedIn> signIn(String email, String password) {
        String address;
        try {
            address = email == null ? "" : EmailAddress.parse(email).address();
        } catch (IllegalArgumentException e) {
            address = "";
        }
        String lookup = address;
        return Panache.withSession(() -> lookup.isEmpty() ? Uni.createFrom().<AppUser>nullItem() : AppUser.findByEmail(lookup))
                .flatMap(user -> passwords.matches(password, user == null ? null : user.passwordHash)
                        .flatMap(matches -> {
                            if (!matches) {
                                return Uni.createFrom().failure(new AccountException(Reason.BAD_CREDENTIALS, BAD_CREDENTIALS));
                            }
                            return Panache.withTransaction(() -> deleteExpiredSessions(user.id)
                                    .flatMap(ignored -> newSession(user.id))
                                    .map(session -> new SignedIn(Account.of(user), session)));
                        }));
    }

    /** Ends the session with this cookie value, if there is one. */
    public Uni<Void> signOut(String sessionToken) {
        if (sessionToken == null || sessionToken.isBlank()) {
            return Uni.createFrom().voidItem();
        }
        return Panache.withTransaction(() -> UserSession.delete("idHash = ?1", Secrets.sha256Hex(sessionToken.strip()))).replaceWithVoid();
    }

    /** The caller of a session cookie; empty when it is unknown or expired. */
    public Uni<Optional<Caller>> authenticateSession(String sessionToken) {
        if (sessionToken == null || sessionToken.isBlank()) {
            return Uni.createFrom().item(Optional.empty());
        }
        return Panache.withSession(() -> liveSession(Secrets.sha256Hex(sessionToken.strip())))
                .map(session -> Optional.ofNullable(session)
                        .map(found -> Caller.user(found.userId, "session:" + found.userId)));
    }

    /** The account of a user caller. */
    public Uni<Account> account(Caller caller) {
        UUID userId = userId(caller);
        return Panache.withSession(() -> AppUser.<AppUser>findById(userId)).map(user -> {
            if (user == null) {
                // The user was deleted while a key or session of theirs was in flight.
                throw new AccountException(Reason.NOT_FOUND, "the account no longer exists");
            }
            return Account.of(user);
        });
    }

    /** A new personal API key for a user caller. */
    public Uni<NewKey> createKey(Caller caller, String name) {
        UUID userId = userId(caller);
        String keyName = name == null ? null : name.strip();
        if (keyName == null || keyName.isEmpty() || keyName.length() > MAX_KEY_NAME_LENGTH || CONTROL.matcher(keyName).find()) {
            return Uni.createFrom().failure(AccountException.invalid(List.of(new FieldError("name",
                    "must be 1 to " + MAX_KEY_NAME_LENGTH + " characters without line breaks"))));
        }
        return Panache.withTransaction(() -> newKey(userId, keyName));
    }

    /** The user's keys, oldest first, revoked ones included (with revokedAt); never their secrets. */
    public Uni<List<KeyInfo>> keys(Caller caller) {
        UUID userId = userId(caller);
        return Panache.withSession(() -> UserApiKey.<UserApiKey>list("userId = ?1 order by createdAt, id", userId))
                .map(keys -> keys.stream().map(KeyInfo::of).toList());
    }

    /** Revokes one of the user's keys; someone else's key, or none, is {@link Reason#NOT_FOUND}. Idempotent. */
    public Uni<Void> revokeKey(Caller caller, UUID keyId) {
        UUID userId = userId(caller);
        return Panache.withTransaction(() -> ownedKey(userId, keyId).map(key -> {
            if (key == null) {
                throw new AccountException(Reason.NOT_FOUND, "no API key " + keyId);
            }
            if (key.revokedAt == null) {
                key.revokedAt = now();
            }
            return null;
        })).replaceWithVoid();
    }

    /** The local user behind the caller; an operator's service key is {@link Reason#NOT_A_USER}. */
    public static UUID userId(Caller caller) {
        return caller.userId().orElseThrow(() -> new AccountException(Reason.NOT_A_USER,
                "this needs a local user's API key or session; service keys have no account"));
    }

    private static Uni<UserSession> liveSession(String idHash) {
        return UserSession.find("idHash = ?1 and expiresAt > ?2", idHash, now()).firstResult();
    }

    private static Uni<UserApiKey> ownedKey(UUID userId, UUID keyId) {
        return UserApiKey.find("id = ?1 and userId = ?2", keyId, userId).firstResult();
    }

    private Uni<NewKey> newKey(UUID userId, String name) {
        String secret = KEY_PREFIX + Secrets.token();
        UserApiKey key = new UserApiKey();
        key.id = UUID.randomUUID();
        key.userId = userId;
        key.name = name;
        key.keyHash = Secrets.sha256Hex(secret);
        key.keyPrefix = secret.substring(0, SHOWN_PREFIX_LENGTH);
        key.createdAt = now();
        return key.persist().map(ignored -> new NewKey(key.id, key.name, secret, key.keyPrefix, key.createdAt));
    }

    private Uni<Session> newSession(UUID userId) {
        String token = Secrets.token();
        UserSession session = new UserSession();
        session.idHash = Secrets.sha256Hex(token);
        session.userId = userId;
        session.createdAt = now();
        session.expiresAt = session.createdAt.plus(sessionLifetime);
        return session.persist().map(ignored -> new Session(token, session.expiresAt));
    }

    /** Housekeeping at each sign-in, so that a user's ended sessions don't pile up. */
    private static Uni<Long> deleteExpiredSessions(UUID userId) {
        return UserSession.delete("userId = ?1 and expiresAt <= ?2", userId, now());
    }

    private static String address(String email, List<FieldError> errors) {
        try {
            EmailAddress parsed = EmailAddress.parse(email);
            if (parsed.displayName() != null) {
                errors.add(new FieldError("email", "must be a plain address such as jane@example.org, without a name"));
                return null;
            }
            return parsed.address();
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError("email", e.getMessage()));
            return null;
        }
    }

    private static void checkPassword(String password, List<FieldError> errors) {
        if (password == null || password.length() < MIN_PASSWORD_LENGTH || password.length() > MAX_PASSWORD_LENGTH) {
            errors.add(new FieldError("password",
                    "must be " + MIN_PASSWORD_LENGTH + " to " + MAX_PASSWORD_LENGTH + " characters"));
        }
    }

    /**
     * returnTo is where the browser is sent later: only an absolute http(s) URL under an allowed prefix, so that
     * Postroom can't be used to redirect people to someone else's site (open redirect).
     */
    private void checkReturnTo(String returnTo, List<FieldError> errors) {
        if (returnTo == null) {
            return;
        }
        boolean wellFormed;
        try {
            URI uri = new URI(returnTo);
            wellFormed = uri.isAbsolute() && ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                    && uri.getRawUserInfo() == null && !CONTROL.matcher(returnTo).find() && returnTo.indexOf('\\') < 0;
        } catch (URISyntaxException e) {
            wellFormed = false;
        }
        if (!wellFormed || returnToAllowed.stream().noneMatch(returnTo::startsWith)) {
            errors.add(new FieldError("returnTo", "is not an allowed URL (postroom.accounts.return-to-allowed)"));
        }
    }

    private static AccountException emailTaken() {
        return new AccountException(Reason.EMAIL_TAKEN, "an account with this email already exists; sign in instead");
    }

    /** A PostgreSQL unique violation (SQLSTATE 23505), however Hibernate wraps it. */
    private static boolean isUniqueViolation(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof org.hibernate.exception.ConstraintViolationException
                    || String.valueOf(t.getMessage()).contains("23505")) {
                return true;
            }
        }
        return false;
    }

    /** Microsecond precision, as PostgreSQL stores it, so what we return equals what a later read returns. */
    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}

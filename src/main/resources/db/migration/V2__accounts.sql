-- Local accounts: users who sign up with an email and a password, their personal API keys and their browser
-- sessions. Their data elsewhere (email_log.owner, mailboxes) is owned by "user:<app_user.id>".
CREATE TABLE app_user (
    id            UUID        PRIMARY KEY,
    -- As the person typed it (domain in lower case); unique regardless of case, see the index below.
    email         TEXT        NOT NULL,
    -- bcrypt in Modular Crypt Format ($2...), never the password.
    password_hash TEXT        NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One account per address whatever its case; sign-in looks users up by lower(email) through this index.
CREATE UNIQUE INDEX app_user_email_lower ON app_user (lower(email));

-- Personal API keys. The key itself is shown once at creation; only its SHA-256 is kept, so a leaked table does
-- not leak usable keys (the keys are 32 random bytes: no salt or slow hash needed).
CREATE TABLE user_api_key (
    id           UUID        PRIMARY KEY,
    user_id      UUID        NOT NULL REFERENCES app_user ON DELETE CASCADE,
    name         TEXT        NOT NULL,
    -- SHA-256 of the key, hex: what a Bearer token is looked up by.
    key_hash     TEXT        NOT NULL UNIQUE,
    -- The first 8 characters of the key ("pr_" + 5), so a person can recognise a key in a list.
    key_prefix   TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);

CREATE INDEX user_api_key_user ON user_api_key (user_id, created_at);

-- Browser sessions. The cookie holds 32 random bytes; only their SHA-256 is kept, so the table cannot be replayed.
CREATE TABLE user_session (
    id_hash    TEXT        PRIMARY KEY,
    user_id    UUID        NOT NULL REFERENCES app_user ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL
);

-- Finding and deleting expired sessions.
CREATE INDEX user_session_expires ON user_session (expires_at);
CREATE INDEX user_session_user ON user_session (user_id);

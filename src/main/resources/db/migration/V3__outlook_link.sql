-- Linked mailboxes (Outlook over OAuth for now), their tokens (encrypted by dev.postroom.account.TokenVault) and the
-- short-lived state of a link in progress (authorization code flow with PKCE).

CREATE TABLE linked_mailbox (
    id                UUID        PRIMARY KEY,
    user_id           UUID        NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    provider          TEXT        NOT NULL CHECK (provider IN ('outlook')),
    address           TEXT        NOT NULL,
    display_name      TEXT,
    -- The provider's id of the account (Graph user id): linking the same account again updates this row.
    external_id       TEXT        NOT NULL,
    -- needs_relink: the refresh token was refused (revoked, expired, password changed); the person must sign in again.
    status            TEXT        NOT NULL CHECK (status IN ('active', 'needs_relink', 'unlinked')),
    -- Set when the mailbox is (re)linked: the sync engine picks these up even if the Redis event was lost.
    sync_requested_at TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (user_id, provider, external_id)
);

CREATE INDEX linked_mailbox_sync_requested ON linked_mailbox (sync_requested_at) WHERE sync_requested_at IS NOT NULL;

-- Tokens: AES-256-GCM, each value nonce || ciphertext+tag, bound to its mailbox and purpose; key_id names the vault
-- key both values were sealed with (keys rotate: old rows stay readable while their key is configured).
CREATE TABLE mailbox_token (
    mailbox_id        UUID        PRIMARY KEY REFERENCES linked_mailbox (id) ON DELETE CASCADE,
    key_id            TEXT        NOT NULL,
    access_token      BYTEA       NOT NULL,
    refresh_token     BYTEA       NOT NULL,
    access_expires_at TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A link in progress: the state parameter is kept only as a SHA-256 hash, the PKCE verifier only encrypted.
-- Single use (used_at) and short-lived (expires_at); used and expired rows are kept a day so the callback can tell
-- "already used" and "expired" from "unknown", then deleted.
CREATE TABLE oauth_state (
    state_hash    TEXT        PRIMARY KEY,
    user_id       UUID        NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    key_id        TEXT        NOT NULL,
    code_verifier BYTEA       NOT NULL,
    return_to     TEXT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at    TIMESTAMPTZ NOT NULL,
    used_at       TIMESTAMPTZ
);

CREATE INDEX oauth_state_expires ON oauth_state (expires_at);

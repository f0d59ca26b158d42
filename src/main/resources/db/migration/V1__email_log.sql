-- The delivery log: one row per email accepted by POST /send. It is also the outbox: the row is written before
-- the job is queued in Redis, and a sweeper re-queues whatever Redis lost.
CREATE TABLE email_log (
    id              UUID        PRIMARY KEY,
    -- Whose email this is: "key:<name>" for an operator's service key, "user:<id>" for a local user.
    owner           TEXT        NOT NULL,
    to_addresses    TEXT[]      NOT NULL,
    cc_addresses    TEXT[]      NOT NULL DEFAULT '{}',
    bcc_addresses   TEXT[]      NOT NULL DEFAULT '{}',
    from_address    TEXT,
    reply_to        TEXT,
    subject         TEXT        NOT NULL,
    text_body       TEXT,
    html_body       TEXT,
    status          TEXT        NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'retrying', 'failed')),
    attempts        INT         NOT NULL DEFAULT 0,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- When the job next needs attention if nothing else happens: the sweeper re-queues a queued job, makes a
    -- retrying job due, and takes back a job whose sender died (its 'sending' lease ran out).
    next_attempt_at TIMESTAMPTZ,
    sent_at         TIMESTAMPTZ,
    failed_at       TIMESTAMPTZ,
    error_code      INT,
    error_message   TEXT,
    request_id      TEXT,
    idempotency_key TEXT,
    request_hash    BYTEA
);

-- The log listing and its keyset pages: newest first, per owner. INCLUDE (status) lets a status filter and the
-- summary of a day be answered from the index alone.
CREATE INDEX email_log_owner_created ON email_log (owner, created_at DESC, id DESC) INCLUDE (status);

-- The sweeper's work list stays small: only unfinished jobs are in it.
CREATE INDEX email_log_unfinished ON email_log (next_attempt_at) WHERE status IN ('queued', 'sending', 'retrying');

-- Idempotency-Key: one email per owner and key.
CREATE UNIQUE INDEX email_log_idempotency ON email_log (owner, idempotency_key) WHERE idempotency_key IS NOT NULL;

-- Each delivery attempt, for GET /logs/email/{id}.
CREATE TABLE email_attempt (
    email_id    UUID        NOT NULL REFERENCES email_log (id) ON DELETE CASCADE,
    number      INT         NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    outcome     TEXT        NOT NULL CHECK (outcome IN ('sent', 'retry', 'failed')),
    smtp_code   INT,
    message     TEXT,
    PRIMARY KEY (email_id, number)
);

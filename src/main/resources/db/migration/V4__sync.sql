-- The sync engine's durable state: which instance syncs a mailbox (lease), and where each folder's delta stands.
-- Delta links are advanced only after the page they answered was written to the mirror: a crash replays one page.

CREATE TABLE sync_mailbox (
    mailbox_id       UUID        PRIMARY KEY REFERENCES linked_mailbox (id) ON DELETE CASCADE,
    -- The instance that syncs this mailbox until lease_until (database clock); others take it over after that.
    lease_owner      TEXT,
    lease_until      TIMESTAMPTZ,
    -- Delta rounds are numbered per mailbox in the order their snapshots were taken; the number is the messages'
    -- external version in the mirror. Instances reserve blocks of numbers, so a new owner always counts on upwards.
    round_reserved   BIGINT      NOT NULL DEFAULT 0,
    -- The folder tree's delta: a next link while a round pages, else the delta link of the next round (null: none).
    folder_link      TEXT,
    folder_link_next BOOLEAN     NOT NULL DEFAULT false,
    initial_done_at  TIMESTAMPTZ,
    last_sync_at     TIMESTAMPTZ,
    error            TEXT,
    subscription_id          TEXT,
    subscription_expires_at  TIMESTAMPTZ,
    -- Sent back in every notification: one that does not carry it is not from our subscription.
    subscription_client_state TEXT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX sync_mailbox_lease ON sync_mailbox (lease_until);
CREATE UNIQUE INDEX sync_mailbox_subscription ON sync_mailbox (subscription_id) WHERE subscription_id IS NOT NULL;

CREATE TABLE sync_folder (
    mailbox_id        UUID        NOT NULL REFERENCES sync_mailbox (mailbox_id) ON DELETE CASCADE,
    folder_id         TEXT        NOT NULL,
    name              TEXT,
    parent_id         TEXT,
    well_known_name   TEXT,
    total_count       INTEGER     NOT NULL DEFAULT 0,
    unread_count      INTEGER     NOT NULL DEFAULT 0,
    -- The delta link the next round starts from (null: the next round reads the folder from scratch).
    delta_link        TEXT,
    -- While a round pages: the link of its next page and the round's number; null between rounds.
    next_link         TEXT,
    round             BIGINT,
    -- Whether the round in progress reads from scratch: at its end, what it did not see is removed from the mirror.
    full_round        BOOLEAN     NOT NULL DEFAULT false,
    first_round_done  BOOLEAN     NOT NULL DEFAULT false,
    messages_indexed  BIGINT      NOT NULL DEFAULT 0,
    last_round_at     TIMESTAMPTZ,
    PRIMARY KEY (mailbox_id, folder_id)
);

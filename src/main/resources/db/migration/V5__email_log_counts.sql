-- How many emails each owner created per quarter hour, and how many of them are sent and failed: today's summary in
-- any time zone (every zone's midnight falls on a quarter hour) and the position of a deep page, without counting
-- the log itself.
--
-- Triggers keep it exact in the same transaction as the log, whatever writes the log. They only ever INSERT deltas,
-- so concurrent writers never wait for each other on a counter row; DeliveryCounts.fold merges a quarter hour's
-- deltas into one row now and then. Readers always sum.
CREATE TABLE email_log_count (
    owner  TEXT        NOT NULL,
    -- created_at of the counted emails, rounded down to the quarter hour
    bucket TIMESTAMPTZ NOT NULL,
    total  BIGINT      NOT NULL,
    sent   BIGINT      NOT NULL,
    failed BIGINT      NOT NULL,
    folded BOOLEAN     NOT NULL DEFAULT false
);

CREATE INDEX email_log_count_owner_bucket ON email_log_count (owner, bucket DESC) INCLUDE (total, sent, failed);
CREATE INDEX email_log_count_unfolded ON email_log_count (owner, bucket) WHERE NOT folded;

CREATE FUNCTION email_log_bucket(at TIMESTAMPTZ) RETURNS TIMESTAMPTZ LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_timestamp(floor(extract(epoch FROM at) / 900) * 900)
$$;

CREATE FUNCTION email_log_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO email_log_count (owner, bucket, total, sent, failed)
    SELECT owner, email_log_bucket(created_at), count(*),
           count(*) FILTER (WHERE status = 'sent'), count(*) FILTER (WHERE status = 'failed')
    FROM inserted GROUP BY 1, 2;
    RETURN NULL;
END $$;

CREATE FUNCTION email_log_count_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Most updates (claims, retries) change no count: only the groups whose sums moved get a row.
    INSERT INTO email_log_count (owner, bucket, total, sent, failed)
    SELECT owner, bucket, sum(total), sum(sent), sum(failed)
    FROM (SELECT owner, email_log_bucket(created_at) AS bucket, 1 AS total,
                 (status = 'sent')::int AS sent, (status = 'failed')::int AS failed
          FROM after_update
          UNION ALL
          SELECT owner, email_log_bucket(created_at), -1, -(status = 'sent')::int, -(status = 'failed')::int
          FROM before_update) AS delta
    GROUP BY owner, bucket
    HAVING sum(total) <> 0 OR sum(sent) <> 0 OR sum(failed) <> 0;
    RETURN NULL;
END $$;

CREATE FUNCTION email_log_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO email_log_count (owner, bucket, total, sent, failed)
    SELECT owner, email_log_bucket(created_at), -count(*),
           -count(*) FILTER (WHERE status = 'sent'), -count(*) FILTER (WHERE status = 'failed')
    FROM deleted GROUP BY 1, 2;
    RETURN NULL;
END $$;

-- DELETE, not TRUNCATE: a TRUNCATE of both tables in one statement would refuse a nested TRUNCATE of the second.
CREATE FUNCTION email_log_count_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM email_log_count;
    RETURN NULL;
END $$;

CREATE TRIGGER email_log_count_insert AFTER INSERT ON email_log
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION email_log_count_inserted();
CREATE TRIGGER email_log_count_update AFTER UPDATE ON email_log
    REFERENCING OLD TABLE AS before_update NEW TABLE AS after_update
    FOR EACH STATEMENT EXECUTE FUNCTION email_log_count_updated();
CREATE TRIGGER email_log_count_delete AFTER DELETE ON email_log
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION email_log_count_deleted();
CREATE TRIGGER email_log_count_truncate AFTER TRUNCATE ON email_log
    FOR EACH STATEMENT EXECUTE FUNCTION email_log_count_truncated();

-- The log so far, one folded row per owner and quarter hour.
INSERT INTO email_log_count (owner, bucket, total, sent, failed, folded)
SELECT owner, email_log_bucket(created_at), count(*),
       count(*) FILTER (WHERE status = 'sent'), count(*) FILTER (WHERE status = 'failed'), true
FROM email_log GROUP BY 1, 2;

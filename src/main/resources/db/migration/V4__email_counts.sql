-- Counts of the delivery log per owner and quarter hour of creation, kept by triggers, so that a day's summary
-- (GET /logs/email's "today") is a sum over at most 96 buckets instead of a count over every email of the day.
-- Quarter hours, because every time zone's midnight falls on one. The summary needs only three counts: all emails,
-- sent and failed (pending is the rest), and only two events move them: an email is logged, or it reaches a final
-- state. Claims and retries, the bulk of the updates, touch no counter and cost no trigger call. Each change lands on one of 8 stripes at
-- random, so that concurrent batches rarely wait for the same counter row; readers sum the stripes.
CREATE TABLE email_count (
    owner  TEXT        NOT NULL,
    bucket TIMESTAMPTZ NOT NULL,
    kind   TEXT        NOT NULL CHECK (kind IN ('all', 'sent', 'failed')),
    stripe SMALLINT    NOT NULL,
    n      BIGINT      NOT NULL,
    PRIMARY KEY (owner, bucket, kind, stripe)
);

CREATE FUNCTION email_count_bucket(created TIMESTAMPTZ) RETURNS TIMESTAMPTZ
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT date_bin('15 minutes', created, TIMESTAMPTZ '2000-01-01 00:00:00+00') $$;

-- The counters an email adds to: 'all', and its status when that is final.
CREATE FUNCTION email_count_kinds(status TEXT) RETURNS TEXT[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN status IN ('sent', 'failed') THEN ARRAY['all', status] ELSE ARRAY['all'] END $$;

-- Statement-level triggers with transition tables: a batch of 100 emails costs one upsert per bucket and kind.
CREATE FUNCTION email_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO email_count (owner, bucket, kind, stripe, n)
    SELECT owner, email_count_bucket(created_at), kind, floor(random() * 8)::smallint, count(*)
    FROM new_rows, unnest(email_count_kinds(status)) AS kind GROUP BY 1, 2, 3
    ON CONFLICT (owner, bucket, kind, stripe) DO UPDATE SET n = email_count.n + excluded.n;
    RETURN NULL;
END $$;

CREATE FUNCTION email_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO email_count (owner, bucket, kind, stripe, n)
    SELECT owner, email_count_bucket(created_at), kind, floor(random() * 8)::smallint, -count(*)
    FROM old_rows, unnest(email_count_kinds(status)) AS kind GROUP BY 1, 2, 3
    ON CONFLICT (owner, bucket, kind, stripe) DO UPDATE SET n = email_count.n + excluded.n;
    RETURN NULL;
END $$;

-- A row that enters or leaves a final state. A row-level trigger with a WHEN condition: claims, retries and sweeps,
-- the bulk of the updates, skip it without even calling the function, and no transition tables are captured for
-- them. (The app never changes an email's owner or creation time.)
CREATE FUNCTION email_count_finished() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status IN ('sent', 'failed') THEN
        INSERT INTO email_count (owner, bucket, kind, stripe, n)
        VALUES (OLD.owner, email_count_bucket(OLD.created_at), OLD.status, floor(random() * 8)::smallint, -1)
        ON CONFLICT (owner, bucket, kind, stripe) DO UPDATE SET n = email_count.n + excluded.n;
    END IF;
    IF NEW.status IN ('sent', 'failed') THEN
        INSERT INTO email_count (owner, bucket, kind, stripe, n)
        VALUES (NEW.owner, email_count_bucket(NEW.created_at), NEW.status, floor(random() * 8)::smallint, 1)
        ON CONFLICT (owner, bucket, kind, stripe) DO UPDATE SET n = email_count.n + excluded.n;
    END IF;
    RETURN NULL;
END $$;

-- TRUNCATE fires no row or statement triggers of its own kind above: empty the counters with the log.
CREATE FUNCTION email_count_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE email_count;
    RETURN NULL;
END $$;

CREATE TRIGGER email_count_insert AFTER INSERT ON email_log
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION email_count_inserted();
CREATE TRIGGER email_count_delete AFTER DELETE ON email_log
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION email_count_deleted();
CREATE TRIGGER email_count_update AFTER UPDATE OF status ON email_log FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status
          AND (OLD.status IN ('sent', 'failed') OR NEW.status IN ('sent', 'failed')))
    EXECUTE FUNCTION email_count_finished();
CREATE TRIGGER email_count_truncate AFTER TRUNCATE ON email_log
    FOR EACH STATEMENT EXECUTE FUNCTION email_count_truncated();

-- Existing rows (an upgrade from a version without counters).
INSERT INTO email_count (owner, bucket, kind, stripe, n)
SELECT owner, email_count_bucket(created_at), kind, 0, count(*)
FROM email_log, unnest(email_count_kinds(status)) AS kind GROUP BY 1, 2, 3;

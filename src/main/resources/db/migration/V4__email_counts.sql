-- Counts of the delivery log per owner, quarter hour of creation and status, kept by triggers, so that a day's summary
-- (GET /logs/email's "today") is a sum over at most 96 buckets instead of a count over every email of the day.
-- Quarter hours, because every time zone's midnight falls on one. Each change lands on one of 8 stripes at random,
-- so that concurrent batches rarely wait for the same counter row; readers sum the stripes.
CREATE TABLE email_count (
    owner  TEXT        NOT NULL,
    bucket TIMESTAMPTZ NOT NULL,
    status TEXT        NOT NULL,
    stripe SMALLINT    NOT NULL,
    n      BIGINT      NOT NULL,
    PRIMARY KEY (owner, bucket, status, stripe)
);

CREATE FUNCTION email_count_bucket(created TIMESTAMPTZ) RETURNS TIMESTAMPTZ
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT date_bin('15 minutes', created, TIMESTAMPTZ '2000-01-01 00:00:00+00') $$;

-- One statement's rows at a time (statement-level triggers with transition tables): a batch of 100 inserted emails
-- costs one upsert per bucket and status, not 100.
CREATE FUNCTION email_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO email_count (owner, bucket, status, stripe, n)
    SELECT owner, email_count_bucket(created_at), status, floor(random() * 8)::smallint, count(*)
    FROM new_rows GROUP BY 1, 2, 3
    ON CONFLICT (owner, bucket, status, stripe) DO UPDATE SET n = email_count.n + excluded.n;
    RETURN NULL;
END $$;

CREATE FUNCTION email_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO email_count (owner, bucket, status, stripe, n)
    SELECT owner, email_count_bucket(created_at), status, floor(random() * 8)::smallint, -count(*)
    FROM old_rows GROUP BY 1, 2, 3
    ON CONFLICT (owner, bucket, status, stripe) DO UPDATE SET n = email_count.n + excluded.n;
    RETURN NULL;
END $$;

-- Only rows whose status (or owner or creation time) changed move between counters.
CREATE FUNCTION email_count_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO email_count (owner, bucket, status, stripe, n)
    SELECT owner, bucket, status, floor(random() * 8)::smallint, sum(delta)
    FROM (
        SELECT o.owner, email_count_bucket(o.created_at) AS bucket, o.status, -1 AS delta
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.status, o.owner, o.created_at) IS DISTINCT FROM (n.status, n.owner, n.created_at)
        UNION ALL
        SELECT n.owner, email_count_bucket(n.created_at), n.status, 1
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.status, o.owner, o.created_at) IS DISTINCT FROM (n.status, n.owner, n.created_at)
    ) moved
    GROUP BY 1, 2, 3
    ON CONFLICT (owner, bucket, status, stripe) DO UPDATE SET n = email_count.n + excluded.n;
    RETURN NULL;
END $$;

CREATE TRIGGER email_count_insert AFTER INSERT ON email_log
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION email_count_inserted();
CREATE TRIGGER email_count_delete AFTER DELETE ON email_log
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION email_count_deleted();
CREATE TRIGGER email_count_update AFTER UPDATE ON email_log
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION email_count_updated();

-- Existing rows (an upgrade from a version without counters).
INSERT INTO email_count (owner, bucket, status, stripe, n)
SELECT owner, email_count_bucket(created_at), status, 0, count(*) FROM email_log GROUP BY 1, 2, 3;

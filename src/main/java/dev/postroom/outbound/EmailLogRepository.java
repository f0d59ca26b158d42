package dev.postroom.outbound;

import dev.postroom.mail.EmailAddress;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The email_log and email_attempt tables. Plain SQL on the reactive PostgreSQL client: these statements are the hot
 * path of sending (one insert per email, one claim and one outcome per attempt) and rely on PostgreSQL features an
 * ORM would hide (ON CONFLICT, RETURNING, FOR UPDATE SKIP LOCKED, index-only scans).
 */
@ApplicationScoped
public class EmailLogRepository {

    private static final String ENTRY_COLUMNS = "id, to_addresses, cc_addresses, bcc_addresses, from_address, reply_to, "
            + "subject, status, attempts, created_at, sent_at, failed_at, error_code, error_message";
    /** The entries of a page whose ids and times a CTE named page selected. */
    private static final String PAGE_ROWS = "SELECT " + prefixed("e.", ENTRY_COLUMNS)
            + " FROM page JOIN email_log e ON e.id = page.id ORDER BY page.created_at DESC, page.id DESC";

    /**
     * Batches of one statement kind running at once. Fewer means larger batches: each statement, its commit and its
     * planning serve more emails (in the send benchmark, 4 claim and outcome batches at once held about 3 emails
     * each and cost a third more CPU per email than one at a time). Inserts get two, so that an accepting request
     * waits for at most one batch ahead of its own.
     */
    private static final int INSERTS_IN_FLIGHT = 2;
    private static final int WORKER_BATCHES_IN_FLIGHT = 1;
    private static final int MAX_BATCH = 128;

    private final Pool pool;
    private final GroupCommit<NewRow, Accepted> inserts;
    private final GroupCommit<ClaimRequest, Optional<Job>> claims;
    private final GroupCommit<Finished, Optional<EmailChange>> outcomes;

    public EmailLogRepository(Pool pool) {
        this.pool = pool;
        this.inserts = new GroupCommit<>(MAX_BATCH, INSERTS_IN_FLIGHT, this::insertBatch);
        this.claims = new GroupCommit<>(MAX_BATCH, WORKER_BATCHES_IN_FLIGHT, this::claimBatch);
        this.outcomes = new GroupCommit<>(MAX_BATCH, WORKER_BATCHES_IN_FLIGHT, this::outcomeBatch);
    }

    public record Accepted(UUID id, EmailStatus status, Instant createdAt, boolean replayed) {
    }

    /**
     * A job as the worker needs it. {@code attempt} is the number of the attempt that the claim started;
     * {@code createdAt} and the previous attempt's error are there to announce the claim.
     */
    public record Job(UUID id, String owner, String requestId, int attempt, OutgoingEmail email, Instant createdAt,
            Integer lastErrorCode, String lastErrorMessage) {

        /** The email's state now that this attempt has started (status sending). */
        public EmailChange sending() {
            return new EmailChange(id, owner, EmailStatus.SENDING, attempt, createdAt, null, null, lastErrorCode,
                    lastErrorMessage, List.of(strings(email.to())), email.subject());
        }
    }

    /**
     * Writes the log row of a new email (status queued). With an idempotency key already used by this owner, returns
     * the first email's row when the email is the same, and fails with {@link IdempotencyConflictException} when not.
     * Rows of concurrent requests are written together (see {@link GroupCommit}).
     */
    public Uni<Accepted> insert(UUID id, String owner, OutgoingEmail email, String requestId, String idempotencyKey,
            Duration requeueAfter) {
        byte[] fingerprint = idempotencyKey == null ? null : email.fingerprint();
        NewRow row = new NewRow(id, owner, email, requestId, idempotencyKey, fingerprint, requeueAfter);
        return inserts.submit(row).chain(inserted -> inserted != null
                ? Uni.createFrom().item(inserted)
                : replay(owner, idempotencyKey, fingerprint));
    }

    private record NewRow(UUID id, String owner, OutgoingEmail email, String requestId, String idempotencyKey,
            byte[] fingerprint, Duration requeueAfter) {
    }

    private static final int INSERT_COLUMNS = 14;

    /** One multi-row INSERT; a row skipped by ON CONFLICT (a used idempotency key) comes back as null. */
    private Uni<List<Accepted>> insertBatch(List<NewRow> rows) {
        StringBuilder sql = new StringBuilder("""
                INSERT INTO email_log (id, owner, to_addresses, cc_addresses, bcc_addresses, from_address, reply_to,
                    subject, text_body, html_body, status, next_attempt_at, request_id, idempotency_key, request_hash)
                VALUES """);
        List<Object> values = new ArrayList<>(rows.size() * INSERT_COLUMNS);
        for (int r = 0; r < rows.size(); r++) {
            int b = r * INSERT_COLUMNS;
            sql.append(r == 0 ? "" : ", ").append("($").append(b + 1).append(", $").append(b + 2).append(", $").append(b + 3)
                    .append(", $").append(b + 4).append(", $").append(b + 5).append(", $").append(b + 6).append(", $").append(b + 7)
                    .append(", $").append(b + 8).append(", $").append(b + 9).append(", $").append(b + 10)
                    .append(", 'queued', now() + make_interval(secs => $").append(b + 11).append("), $").append(b + 12)
                    .append(", $").append(b + 13).append(", $").append(b + 14).append(")");
            NewRow row = rows.get(r);
            OutgoingEmail email = row.email();
            values.add(row.id());
            values.add(row.owner());
            values.add(strings(email.to()));
            values.add(strings(email.cc()));
            values.add(strings(email.bcc()));
            values.add(email.from() == null ? null : email.from().toString());
            values.add(email.replyTo() == null ? null : email.replyTo().toString());
            values.add(email.subject());
            values.add(email.text());
            values.add(email.html());
            values.add(row.requeueAfter().toMillis() / 1000.0);
            values.add(row.requestId());
            values.add(row.idempotencyKey());
            values.add(row.fingerprint() == null ? null : io.vertx.core.buffer.Buffer.buffer(row.fingerprint()));
        }
        sql.append(" ON CONFLICT (owner, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id, status, created_at");
        return pool.preparedQuery(sql.toString()).execute(Tuple.from(values)).map(result -> {
            Map<UUID, Accepted> inserted = new HashMap<>();
            result.forEach(row -> inserted.put(row.getUUID("id"), accepted(row, false)));
            return rows.stream().map(row -> inserted.get(row.id())).toList();
        });
    }

    private Uni<Accepted> replay(String owner, String idempotencyKey, byte[] fingerprint) {
        return pool.preparedQuery("SELECT id, status, created_at, request_hash FROM email_log WHERE owner = $1 AND idempotency_key = $2")
                .execute(Tuple.of(owner, idempotencyKey))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    if (!Arrays.equals(fingerprint, row.getBuffer("request_hash").getBytes())) {
                        throw new IdempotencyConflictException(idempotencyKey);
                    }
                    return accepted(row, true);
                });
    }

    private static Accepted accepted(Row row, boolean replayed) {
        return new Accepted(row.getUUID("id"), EmailStatus.of(row.getString("status")), instant(row, "created_at"), replayed);
    }

    /** Takes back a row whose job could not be queued, so that the client's retry does not send it twice. */
    public Uni<Void> deleteQueued(UUID id) {
        return pool.preparedQuery("DELETE FROM email_log WHERE id = $1 AND status = 'queued'")
                .execute(Tuple.of(id)).replaceWithVoid();
    }

    /**
     * Claims a job for one attempt: queued → sending, atomically, so that two consumers never send the same email. A
     * job still 'sending' after its lease belongs to a sender that died and may be claimed again. Concurrent claims
     * share one statement.
     */
    public Uni<Optional<Job>> claim(UUID id, Duration lease) {
        return claims.submit(new ClaimRequest(id, lease));
    }

    private record ClaimRequest(UUID id, Duration lease) {
    }

    private Uni<List<Optional<Job>>> claimBatch(List<ClaimRequest> requests) {
        UUID[] ids = requests.stream().map(ClaimRequest::id).toArray(UUID[]::new);
        // Every request of a batch comes from the same worker configuration, so they share one lease.
        double leaseSeconds = requests.getFirst().lease().toMillis() / 1000.0;
        return pool.preparedQuery("""
                        UPDATE email_log SET status = 'sending', attempts = attempts + 1,
                            next_attempt_at = now() + make_interval(secs => $2)
                        WHERE id = ANY($1) AND (status = 'queued' OR (status = 'sending' AND next_attempt_at <= now()))
                        RETURNING id, owner, request_id, attempts, to_addresses, cc_addresses, bcc_addresses,
                            from_address, reply_to, subject, text_body, html_body, created_at, error_code, error_message""")
                .execute(Tuple.of(ids, leaseSeconds))
                .map(rows -> {
                    Map<UUID, Job> claimed = new HashMap<>();
                    for (Row row : rows) {
                        OutgoingEmail email = new OutgoingEmail(addresses(row, "to_addresses"), addresses(row, "cc_addresses"),
                                addresses(row, "bcc_addresses"), address(row.getString("from_address")),
                                address(row.getString("reply_to")), row.getString("subject"), row.getString("text_body"),
                                row.getString("html_body"));
                        claimed.put(row.getUUID("id"), new Job(row.getUUID("id"), row.getString("owner"),
                                row.getString("request_id"), row.getInteger("attempts"), email, instant(row, "created_at"),
                                row.getInteger("error_code"), row.getString("error_message")));
                    }
                    // A job queued twice in one batch is claimed once.
                    List<Optional<Job>> results = new ArrayList<>(requests.size());
                    for (ClaimRequest request : requests) {
                        results.add(Optional.ofNullable(claimed.remove(request.id())));
                    }
                    return results;
                });
    }

    /**
     * Records an attempt's outcome and the email's new state; concurrent outcomes share one statement. Answers the new
     * state, or empty when the row had moved on meanwhile (its lease expired and another attempt took it).
     */
    public Uni<Optional<EmailChange>> recordOutcome(Job job, Instant startedAt, Outcome outcome) {
        return outcomes.submit(new Finished(job, startedAt, outcome));
    }

    private record Finished(Job job, Instant startedAt, Outcome outcome) {
    }

    private Uni<List<Optional<EmailChange>>> outcomeBatch(List<Finished> finished) {
        int n = finished.size();
        UUID[] ids = new UUID[n];
        Integer[] attempts = new Integer[n];
        String[] statuses = new String[n];
        Double[] retryIn = new Double[n];
        Integer[] codes = new Integer[n];
        String[] messages = new String[n];
        OffsetDateTime[] started = new OffsetDateTime[n];
        String[] attemptOutcomes = new String[n];
        for (int i = 0; i < n; i++) {
            Finished f = finished.get(i);
            ids[i] = f.job().id();
            attempts[i] = f.job().attempt();
            statuses[i] = f.outcome().status().value();
            retryIn[i] = f.outcome().retryIn().toMillis() / 1000.0;
            codes[i] = f.outcome().smtpCode();
            messages[i] = f.outcome().message();
            started[i] = OffsetDateTime.ofInstant(f.startedAt(), ZoneOffset.UTC);
            attemptOutcomes[i] = f.outcome().attemptOutcome();
        }
        return pool.preparedQuery("""
                        WITH v AS (
                            SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::float8[], $5::int[], $6::text[],
                                $7::timestamptz[], $8::text[]) AS v(id, attempt, status, retry_in, code, message, started_at, outcome)),
                        updated AS (
                            UPDATE email_log e SET status = v.status,
                                sent_at = CASE WHEN v.status = 'sent' THEN now() END,
                                failed_at = CASE WHEN v.status = 'failed' THEN now() END,
                                next_attempt_at = CASE WHEN v.status = 'retrying' THEN now() + make_interval(secs => v.retry_in) END,
                                error_code = CASE WHEN v.status = 'sent' THEN e.error_code ELSE v.code END,
                                error_message = CASE WHEN v.status = 'sent' THEN e.error_message ELSE v.message END
                            FROM v
                            WHERE e.id = v.id AND e.status = 'sending' AND e.attempts = v.attempt
                            RETURNING e.id, v.attempt, v.started_at, v.outcome, v.code, v.message, e.status, e.created_at,
                                e.sent_at, e.failed_at, e.error_code, e.error_message),
                        attempt AS (
                            INSERT INTO email_attempt (email_id, number, started_at, outcome, smtp_code, message)
                            SELECT id, attempt, started_at, outcome, code, message FROM updated)
                        SELECT id, status, attempt, created_at, sent_at, failed_at, error_code, error_message FROM updated""")
                .execute(Tuple.tuple(List.of(ids, attempts, statuses, retryIn, codes, messages, started, attemptOutcomes)))
                .map(rows -> {
                    Map<UUID, Row> recorded = new HashMap<>();
                    rows.forEach(row -> recorded.put(row.getUUID("id"), row));
                    List<Optional<EmailChange>> results = new ArrayList<>(n);
                    for (Finished f : finished) {
                        Row row = recorded.get(f.job().id());
                        results.add(Optional.ofNullable(row).map(r -> change(r, f.job().owner(), r.getInteger("attempt"),
                                List.of(strings(f.job().email().to())), f.job().email().subject())));
                    }
                    return results;
                });
    }

    private static EmailChange change(Row row, String owner, int attempts, List<String> to, String subject) {
        return new EmailChange(row.getUUID("id"), owner, EmailStatus.of(row.getString("status")), attempts,
                instant(row, "created_at"), instant(row, "sent_at"), instant(row, "failed_at"),
                row.getInteger("error_code"), row.getString("error_message"), to, subject);
    }

    /** What one attempt came to. */
    public record Outcome(EmailStatus status, Duration retryIn, Integer smtpCode, String message) {
        public static Outcome sent() {
            return new Outcome(EmailStatus.SENT, Duration.ZERO, null, null);
        }

        String attemptOutcome() {
            return switch (status) {
                case SENT -> "sent";
                case RETRYING -> "retry";
                default -> "failed";
            };
        }
    }

    /** A job taken back for the queue: its status before, and its state now (queued). */
    public record Requeued(EmailStatus was, EmailChange email) {
    }

    /**
     * Jobs that need to be (re-)queued now: queued ones nobody picked up in time, retries that are due, and jobs
     * whose sender's lease ran out. They become 'queued' again with a fresh deadline; SKIP LOCKED lets several
     * instances sweep at once without taking the same rows.
     */
    public Uni<List<Requeued>> takeDueForQueue(int limit, Duration requeueAfter) {
        return pool.preparedQuery("""
                        UPDATE email_log e SET status = 'queued', next_attempt_at = now() + make_interval(secs => $2)
                        FROM (
                            SELECT id, status FROM email_log
                            WHERE status IN ('queued', 'retrying', 'sending') AND next_attempt_at <= now()
                            ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) due
                        WHERE e.id = due.id
                        RETURNING e.id, due.status AS was, e.status, e.owner, e.attempts, e.created_at, e.sent_at,
                            e.failed_at, e.error_code, e.error_message, e.to_addresses, e.subject""")
                .execute(Tuple.of(limit, requeueAfter.toMillis() / 1000.0))
                .map(rows -> {
                    List<Requeued> requeued = new ArrayList<>(rows.size());
                    rows.forEach(row -> requeued.add(new Requeued(EmailStatus.of(row.getString("was")),
                            change(row, row.getString("owner"), row.getInteger("attempts"),
                                    List.of(row.getArrayOfStrings("to_addresses")), row.getString("subject")))));
                    return requeued;
                });
    }

    /** A log listing's filter; null parts do not filter. */
    public record Filter(EmailStatus status, Instant createdFrom, Instant createdTo) {
        public boolean isEmpty() {
            return status == null && createdFrom == null && createdTo == null;
        }
    }

    /** A position in the newest-first order of the log: the last entry of a page. */
    public record Cursor(Instant createdAt, UUID id) {
    }

    /**
     * One page, newest first: after {@code cursor} when given (keyset), else after skipping {@code offset} rows. The
     * page's ids come from an index-only scan; only its rows are read from the table.
     */
    public Uni<List<LogEntry>> page(String owner, Filter filter, Cursor cursor, long offset, int limit) {
        if (filter.isEmpty() && cursor == null && offset > 0) {
            return deepPage(owner, offset, limit);
        }
        List<Object> params = new ArrayList<>();
        StringBuilder where = where(owner, filter, params);
        if (cursor != null) {
            params.add(OffsetDateTime.ofInstant(cursor.createdAt(), ZoneOffset.UTC));
            params.add(cursor.id());
            where.append(" AND (created_at, id) < ($").append(params.size() - 1).append(", $").append(params.size()).append(")");
        }
        params.add(limit);
        String limitParam = "$" + params.size();
        params.add(cursor == null ? offset : 0L);
        String offsetParam = "$" + params.size();
        String sql = "WITH page AS (SELECT id, created_at FROM email_log WHERE " + where
                + " ORDER BY created_at DESC, id DESC LIMIT " + limitParam + " OFFSET " + offsetParam + ") "
                + PAGE_ROWS;
        return pool.preparedQuery(sql).execute(Tuple.from(params)).map(EmailLogRepository::entries);
    }

    /**
     * An unfiltered page after {@code offset} rows, without skipping them one by one: the owner's counts per quarter
     * hour (email_log_count, newest first) tell in which quarter hour the page starts and how many rows of the
     * newer ones come before it, so only the rows of that quarter hour are skipped. The counts are read in the same
     * snapshot as the rows, so the page is exactly the one OFFSET would give. Unfolded deltas are several rows of
     * one quarter hour: GROUPS frames treat them as one (newer: the quarter hours before; upto: these included),
     * and the index on (owner, bucket DESC) feeds the window in order, so it stops at the page's quarter hour.
     */
    private Uni<List<LogEntry>> deepPage(String owner, long offset, int limit) {
        String sql = """
                WITH anchor AS (
                    SELECT bucket + interval '%d seconds' AS newer_from, ($3::bigint - newer)::bigint AS skip
                    FROM (SELECT bucket,
                                 coalesce(sum(total) OVER (ORDER BY bucket DESC
                                     GROUPS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS newer,
                                 sum(total) OVER (ORDER BY bucket DESC) AS upto
                          FROM email_log_count WHERE owner = $1) AS running
                    WHERE upto > $3::bigint ORDER BY bucket DESC LIMIT 1),
                page AS (
                    SELECT id, created_at FROM email_log
                    WHERE owner = $1 AND created_at < (SELECT newer_from FROM anchor)
                    ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET (SELECT skip FROM anchor))
                """.formatted(DeliveryCounts.BUCKET_SECONDS) + PAGE_ROWS;
        return pool.preparedQuery(sql).execute(Tuple.of(owner, limit, offset)).map(EmailLogRepository::entries);
    }

    public Uni<Long> count(String owner, Filter filter) {
        List<Object> params = new ArrayList<>();
        StringBuilder where = where(owner, filter, params);
        return pool.preparedQuery("SELECT count(*) AS n FROM email_log WHERE " + where)
                .execute(Tuple.from(params))
                .map(rows -> rows.iterator().next().getLong("n"));
    }

    /** The WHERE clause of a filtered listing; appends its parameters to {@code params}. */
    private static StringBuilder where(String owner, Filter filter, List<Object> params) {
        params.add(owner);
        StringBuilder where = new StringBuilder("owner = $1");
        if (filter.status() != null) {
            params.add(filter.status().value());
            where.append(" AND status = $").append(params.size());
        }
        if (filter.createdFrom() != null) {
            params.add(OffsetDateTime.ofInstant(filter.createdFrom(), ZoneOffset.UTC));
            where.append(" AND created_at >= $").append(params.size());
        }
        if (filter.createdTo() != null) {
            params.add(OffsetDateTime.ofInstant(filter.createdTo(), ZoneOffset.UTC));
            where.append(" AND created_at < $").append(params.size());
        }
        return where;
    }

    /** One entry of this owner, with its attempts; empty when it does not exist or belongs to someone else. */
    public Uni<Optional<LogEntry>> find(String owner, UUID id) {
        return pool.preparedQuery("SELECT " + ENTRY_COLUMNS + " FROM email_log WHERE id = $1 AND owner = $2")
                .execute(Tuple.of(id, owner))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(Optional.<LogEntry>empty());
                    }
                    LogEntry entry = entries(rows).getFirst();
                    return pool.preparedQuery("SELECT number, started_at, finished_at, outcome, smtp_code, message "
                                    + "FROM email_attempt WHERE email_id = $1 ORDER BY number")
                            .execute(Tuple.of(id))
                            .map(attempts -> {
                                List<LogEntry.Attempt> history = new ArrayList<>();
                                attempts.forEach(a -> history.add(new LogEntry.Attempt(a.getInteger("number"),
                                        instant(a, "started_at"), instant(a, "finished_at"), a.getString("outcome"),
                                        a.getInteger("smtp_code"), a.getString("message"))));
                                return Optional.of(entry.withHistory(history));
                            });
                });
    }

    private static List<LogEntry> entries(RowSet<Row> rows) {
        List<LogEntry> entries = new ArrayList<>(rows.size());
        for (Row row : rows) {
            Integer code = row.getInteger("error_code");
            String message = row.getString("error_message");
            entries.add(new LogEntry(row.getUUID("id"), List.of(row.getArrayOfStrings("to_addresses")),
                    List.of(row.getArrayOfStrings("cc_addresses")), List.of(row.getArrayOfStrings("bcc_addresses")),
                    row.getString("from_address"), row.getString("reply_to"), row.getString("subject"),
                    row.getString("status"), row.getInteger("attempts"), instant(row, "created_at"),
                    instant(row, "sent_at"), instant(row, "failed_at"),
                    code == null && message == null ? null : new LogEntry.SmtpError(code, message), null));
        }
        return entries;
    }

    private static String prefixed(String prefix, String columns) {
        return String.join(", ", Arrays.stream(columns.split(",\\s*")).map(c -> prefix + c).toList());
    }

    private static Instant instant(Row row, String column) {
        OffsetDateTime value = row.getOffsetDateTime(column);
        return value == null ? null : value.toInstant();
    }

    private static String[] strings(List<EmailAddress> addresses) {
        return addresses.stream().map(EmailAddress::toString).toArray(String[]::new);
    }

    private static List<EmailAddress> addresses(Row row, String column) {
        return Arrays.stream(row.getArrayOfStrings(column)).map(EmailAddress::parse).toList();
    }

    private static EmailAddress address(String value) {
        return value == null ? null : EmailAddress.parse(value);
    }
}

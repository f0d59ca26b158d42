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
import java.util.EnumMap;
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

    private final Pool pool;

    public EmailLogRepository(Pool pool) {
        this.pool = pool;
    }

    public record Accepted(UUID id, EmailStatus status, Instant createdAt, boolean replayed) {
    }

    /** A job as the worker needs it. {@code attempt} is the number of the attempt that the claim started. */
    public record Job(UUID id, String owner, String requestId, int attempt, OutgoingEmail email) {
    }

    /**
     * Writes the log row of a new email (status queued). With an idempotency key already used by this owner, returns
     * the first email's row when the email is the same, and fails with {@link IdempotencyConflictException} when not.
     */
    public Uni<Accepted> insert(UUID id, String owner, OutgoingEmail email, String requestId, String idempotencyKey,
            Duration requeueAfter) {
        byte[] fingerprint = idempotencyKey == null ? null : email.fingerprint();
        Tuple values = Tuple.tuple(List.of(id, owner, strings(email.to()), strings(email.cc()), strings(email.bcc())))
                .addValue(email.from() == null ? null : email.from().toString())
                .addValue(email.replyTo() == null ? null : email.replyTo().toString())
                .addString(email.subject())
                .addString(email.text())
                .addString(email.html())
                .addDouble(requeueAfter.toMillis() / 1000.0)
                .addString(requestId)
                .addString(idempotencyKey)
                .addValue(fingerprint == null ? null : io.vertx.core.buffer.Buffer.buffer(fingerprint));
        return pool.preparedQuery("""
                        INSERT INTO email_log (id, owner, to_addresses, cc_addresses, bcc_addresses, from_address, reply_to,
                            subject, text_body, html_body, status, next_attempt_at, request_id, idempotency_key, request_hash)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'queued', now() + make_interval(secs => $11), $12, $13, $14)
                        ON CONFLICT (owner, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
                        RETURNING id, status, created_at""")
                .execute(values)
                .chain(rows -> rows.size() == 1
                        ? Uni.createFrom().item(accepted(rows.iterator().next(), false))
                        : replay(owner, idempotencyKey, fingerprint));
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
     * job still 'sending' after its lease belongs to a sender that died and may be claimed again.
     */
    public Uni<Optional<Job>> claim(UUID id, Duration lease) {
        return pool.preparedQuery("""
                        UPDATE email_log SET status = 'sending', attempts = attempts + 1,
                            next_attempt_at = now() + make_interval(secs => $2)
                        WHERE id = $1 AND (status = 'queued' OR (status = 'sending' AND next_attempt_at <= now()))
                        RETURNING id, owner, request_id, attempts, to_addresses, cc_addresses, bcc_addresses,
                            from_address, reply_to, subject, text_body, html_body""")
                .execute(Tuple.of(id, lease.toMillis() / 1000.0))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return Optional.empty();
                    }
                    Row row = rows.iterator().next();
                    OutgoingEmail email = new OutgoingEmail(addresses(row, "to_addresses"), addresses(row, "cc_addresses"),
                            addresses(row, "bcc_addresses"), address(row.getString("from_address")),
                            address(row.getString("reply_to")), row.getString("subject"), row.getString("text_body"),
                            row.getString("html_body"));
                    return Optional.of(new Job(row.getUUID("id"), row.getString("owner"), row.getString("request_id"),
                            row.getInteger("attempts"), email));
                });
    }

    /** Records an attempt's outcome and the email's new state in one statement. */
    public Uni<Void> recordOutcome(Job job, Instant startedAt, Outcome outcome) {
        return pool.preparedQuery("""
                        WITH updated AS (
                            UPDATE email_log SET status = $3,
                                sent_at = CASE WHEN $3 = 'sent' THEN now() END,
                                failed_at = CASE WHEN $3 = 'failed' THEN now() END,
                                next_attempt_at = CASE WHEN $3 = 'retrying' THEN now() + make_interval(secs => $4) END,
                                error_code = CASE WHEN $3 = 'sent' THEN error_code ELSE $5 END,
                                error_message = CASE WHEN $3 = 'sent' THEN error_message ELSE $6 END
                            WHERE id = $1 AND status = 'sending' AND attempts = $2
                            RETURNING id)
                        INSERT INTO email_attempt (email_id, number, started_at, outcome, smtp_code, message)
                        SELECT id, $2, $7, $8, $5, $6 FROM updated""")
                .execute(Tuple.tuple(List.of(job.id(), job.attempt(), outcome.status().value(),
                                outcome.retryIn().toMillis() / 1000.0))
                        .addValue(outcome.smtpCode())
                        .addString(outcome.message())
                        .addValue(OffsetDateTime.ofInstant(startedAt, ZoneOffset.UTC))
                        .addString(outcome.attemptOutcome()))
                .replaceWithVoid();
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

    /**
     * Jobs that need to be (re-)queued now: queued ones nobody picked up in time, retries that are due, and jobs
     * whose sender's lease ran out. They become 'queued' again with a fresh deadline; SKIP LOCKED lets several
     * instances sweep at once without taking the same rows.
     */
    public Uni<List<UUID>> takeDueForQueue(int limit, Duration requeueAfter) {
        return pool.preparedQuery("""
                        UPDATE email_log SET status = 'queued', next_attempt_at = now() + make_interval(secs => $2)
                        WHERE id IN (
                            SELECT id FROM email_log
                            WHERE status IN ('queued', 'retrying', 'sending') AND next_attempt_at <= now()
                            ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
                        RETURNING id""")
                .execute(Tuple.of(limit, requeueAfter.toMillis() / 1000.0))
                .map(rows -> {
                    List<UUID> ids = new ArrayList<>(rows.size());
                    rows.forEach(row -> ids.add(row.getUUID("id")));
                    return ids;
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
                + "SELECT " + prefixed("e.", ENTRY_COLUMNS) + " FROM page JOIN email_log e ON e.id = page.id "
                + "ORDER BY page.created_at DESC, page.id DESC";
        return pool.preparedQuery(sql).execute(Tuple.from(params)).map(EmailLogRepository::entries);
    }

    /** Emails created at or after {@code since}, counted by status. */
    public Uni<Map<EmailStatus, Long>> countByStatusSince(String owner, Instant since) {
        return pool.preparedQuery("SELECT status, count(*) AS n FROM email_log WHERE owner = $1 AND created_at >= $2 GROUP BY status")
                .execute(Tuple.of(owner, OffsetDateTime.ofInstant(since, ZoneOffset.UTC)))
                .map(rows -> {
                    Map<EmailStatus, Long> counts = new EnumMap<>(EmailStatus.class);
                    rows.forEach(row -> counts.put(EmailStatus.of(row.getString("status")), row.getLong("n")));
                    return counts;
                });
    }

    public Uni<Long> countBefore(String owner, Instant before) {
        return pool.preparedQuery("SELECT count(*) AS n FROM email_log WHERE owner = $1 AND created_at < $2")
                .execute(Tuple.of(owner, OffsetDateTime.ofInstant(before, ZoneOffset.UTC)))
                .map(rows -> rows.iterator().next().getLong("n"));
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

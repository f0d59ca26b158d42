package dev.postroom.outbound;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * The log's counts per owner and quarter hour (table email_log_count, kept exact by triggers: see V5 migration):
 * an owner's total and a day's summary without counting log rows, so that they cost the same at a thousand rows and
 * at a hundred million.
 */
@ApplicationScoped
public class DeliveryCounts {

    /** The counts' granularity: every time zone's midnight in use today falls on a quarter hour. */
    static final long BUCKET_SECONDS = 900;

    private static final Logger LOG = Logger.getLogger(DeliveryCounts.class);
    /** One instance folds at a time: pg_try_advisory_xact_lock on this key ("email_log_count" in ASCII). */
    private static final long FOLD_LOCK = 0x656d61696c5f6cL;
    private static final int FOLD_BUCKETS = 1_000;

    private final Pool pool;

    public DeliveryCounts(Pool pool) {
        this.pool = pool;
    }

    /** All of an owner's emails, and those created since {@code dayStart}. */
    public record Counts(long total, DeliveryLog.Summary day) {
    }

    /** The owner's counts, with the day that starts at {@code dayStart}. */
    public Uni<Counts> of(String owner, Instant dayStart) {
        return sum(owner, dayStart, "coalesce(sum(total), 0)", "");
    }

    /** Only the day that starts at {@code dayStart}: reads that day's quarter hours, not the owner's whole history. */
    public Uni<DeliveryLog.Summary> day(String owner, Instant dayStart) {
        return sum(owner, dayStart, "0", " AND bucket >= $2").map(Counts::day);
    }

    /** {@code total}: the SQL of the total column; {@code range}: more of the WHERE clause. */
    private Uni<Counts> sum(String owner, Instant dayStart, String total, String range) {
        OffsetDateTime since = OffsetDateTime.ofInstant(dayStart, ZoneOffset.UTC);
        if (dayStart.getEpochSecond() % BUCKET_SECONDS != 0 || dayStart.getNano() != 0) {
            return exactly(owner, since); // a day that starts within a quarter hour: a custom offset like +05:17
        }
        return pool.preparedQuery("""
                        SELECT %s AS total,
                               coalesce(sum(total) FILTER (WHERE bucket >= $2), 0) AS day_total,
                               coalesce(sum(sent) FILTER (WHERE bucket >= $2), 0) AS day_sent,
                               coalesce(sum(failed) FILTER (WHERE bucket >= $2), 0) AS day_failed
                        FROM email_log_count WHERE owner = $1%s""".formatted(total, range))
                .execute(Tuple.of(owner, since))
                .map(rows -> counts(rows.iterator().next()));
    }

    /** The same from the log's rows: the day's part counts its index entries. */
    private Uni<Counts> exactly(String owner, OffsetDateTime since) {
        return pool.preparedQuery("""
                        SELECT (SELECT coalesce(sum(total), 0) FROM email_log_count WHERE owner = $1) AS total,
                               count(*) AS day_total,
                               count(*) FILTER (WHERE status = 'sent') AS day_sent,
                               count(*) FILTER (WHERE status = 'failed') AS day_failed
                        FROM email_log WHERE owner = $1 AND created_at >= $2""")
                .execute(Tuple.of(owner, since))
                .map(rows -> counts(rows.iterator().next()));
    }

    private static Counts counts(Row row) {
        long dayTotal = row.getLong("day_total");
        long sent = row.getLong("day_sent");
        long failed = row.getLong("day_failed");
        return new Counts(row.getLong("total"), new DeliveryLog.Summary(dayTotal, sent, failed, dayTotal - sent - failed));
    }

    /**
     * Merges the deltas the triggers appended into one row per owner and quarter hour, so that reads sum a row per
     * quarter hour. Readers are exact before, during and after: a fold replaces rows by their sum in one transaction.
     */
    @Scheduled(every = "${postroom.outbound.count-fold-interval:PT10S}", delayed = "PT5S",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> foldScheduled() {
        return fold().onFailure().invoke(failure -> LOG.debugf("folding counts skipped: %s", failure.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** One fold of up to {@value #FOLD_BUCKETS} quarter hours; returns how many were folded (0: another instance is at it). */
    public Uni<Integer> fold() {
        return pool.withTransaction(connection -> connection
                .preparedQuery("SELECT pg_try_advisory_xact_lock($1) AS mine").execute(Tuple.of(FOLD_LOCK))
                .chain(lock -> !lock.iterator().next().getBoolean("mine") ? Uni.createFrom().item(0)
                        : connection.preparedQuery("""
                                        WITH touched AS (
                                            SELECT DISTINCT owner, bucket FROM email_log_count WHERE NOT folded LIMIT $1),
                                        gone AS (
                                            DELETE FROM email_log_count c USING touched t
                                            WHERE c.owner = t.owner AND c.bucket = t.bucket
                                            RETURNING c.owner, c.bucket, c.total, c.sent, c.failed)
                                        INSERT INTO email_log_count (owner, bucket, total, sent, failed, folded)
                                        SELECT owner, bucket, sum(total), sum(sent), sum(failed), true
                                        FROM gone GROUP BY owner, bucket
                                        HAVING sum(total) <> 0 OR sum(sent) <> 0 OR sum(failed) <> 0""")
                                .execute(Tuple.of(FOLD_BUCKETS)).map(rows -> rows.rowCount())));
    }
}

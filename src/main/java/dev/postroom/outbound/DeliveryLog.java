package dev.postroom.outbound;

import dev.postroom.outbound.EmailLogRepository.Cursor;
import dev.postroom.outbound.EmailLogRepository.Filter;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Reading the delivery log: pages newest first, today's summary and one entry with its attempts. Totals and
 * summaries come from {@link DeliveryCounts}, so page 1 and page 4000 of a million-row log cost about the same.
 */
@ApplicationScoped
public class DeliveryLog {

    private final EmailLogRepository repository;
    private final DeliveryCounts counts;
    private final OutboundConfig config;

    public DeliveryLog(EmailLogRepository repository, DeliveryCounts counts, OutboundConfig config) {
        this.repository = repository;
        this.counts = counts;
        this.config = config;
    }

    /** Today's emails by outcome: sent, failed, and pending (queued, sending or retrying). */
    public record Summary(long total, long sent, long failed, long pending) {
    }

    /** {@code more}: entries follow this page. */
    public record Page(List<LogEntry> entries, boolean more, long total, Summary today) {
    }

    /** {@code zone} overrides the configured time zone of "today"; null keeps it. */
    public Uni<Page> page(String owner, Filter filter, Cursor cursor, long offset, int limit, ZoneId zone) {
        Uni<DeliveryCounts.Counts> all = counts.of(owner, todayStart(zoneOrDefault(zone))).memoize().indefinitely();
        // One row more than asked tells whether another page follows.
        Uni<List<LogEntry>> entries = repository.page(owner, filter, cursor, offset, limit + 1);
        Uni<Long> total = filter.isEmpty() ? all.map(DeliveryCounts.Counts::total) : repository.count(owner, filter);
        return Uni.combine().all().unis(entries, all, total).with((rows, counted, count) -> rows.size() > limit
                ? new Page(rows.subList(0, limit), true, count, counted.day())
                : new Page(rows, false, count, counted.day()));
    }

    /** Today's summary alone (in the configured time zone). */
    public Uni<Summary> today(String owner) {
        return counts.day(owner, todayStart(config.summaryTimeZone()));
    }

    public Uni<Optional<LogEntry>> find(String owner, UUID id) {
        return repository.find(owner, id);
    }

    /** The configured time zone of "today". */
    public ZoneId defaultZone() {
        return config.summaryTimeZone();
    }

    private ZoneId zoneOrDefault(ZoneId zone) {
        return zone == null ? config.summaryTimeZone() : zone;
    }

    private static Instant todayStart(ZoneId zone) {
        return LocalDate.now(zone).atStartOfDay(zone).toInstant();
    }
}

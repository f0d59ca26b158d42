package dev.postroom.outbound;

import dev.postroom.outbound.EmailLogRepository.Cursor;
import dev.postroom.outbound.EmailLogRepository.Filter;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reading the delivery log: pages newest first, today's summary and one entry with its attempts.
 *
 * <p>The unfiltered total is "rows before today" plus "rows of today". Rows are never created in the past and
 * never deleted, so the first part cannot change during a day and is counted once per owner and day; the second
 * comes with today's summary, which is counted anyway. That keeps page 1 and page 4000 of a million-row log cheap.
 */
@ApplicationScoped
public class DeliveryLog {

    private final EmailLogRepository repository;
    private final OutboundConfig config;
    private final Map<String, PastCount> pastCounts = new ConcurrentHashMap<>();

    private record PastCount(Instant before, long count) {
    }

    public DeliveryLog(EmailLogRepository repository, OutboundConfig config) {
        this.repository = repository;
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
        Instant todayStart = LocalDate.now(zoneOrDefault(zone)).atStartOfDay(zoneOrDefault(zone)).toInstant();
        Uni<Summary> today = repository.countByStatusSince(owner, todayStart).map(DeliveryLog::summary);
        // One row more than asked tells whether another page follows.
        Uni<List<LogEntry>> entries = repository.page(owner, filter, cursor, offset, limit + 1);
        Uni<Long> total = filter.isEmpty()
                ? Uni.combine().all().unis(pastCount(owner, todayStart), today).with((past, summary) -> past + summary.total())
                : repository.count(owner, filter);
        return Uni.combine().all().unis(entries, total, today).with((rows, count, summary) -> rows.size() > limit
                ? new Page(rows.subList(0, limit), true, count, summary)
                : new Page(rows, false, count, summary));
    }

    /** Today's summary alone (in the configured time zone). */
    public Uni<Summary> today(String owner) {
        ZoneId zone = config.summaryTimeZone();
        return repository.countByStatusSince(owner, LocalDate.now(zone).atStartOfDay(zone).toInstant()).map(DeliveryLog::summary);
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

    private Uni<Long> pastCount(String owner, Instant before) {
        String key = owner + "|" + before;
        PastCount cached = pastCounts.get(key);
        if (cached != null) {
            return Uni.createFrom().item(cached.count());
        }
        return repository.countBefore(owner, before).invoke(count -> {
            // Yesterday's entries of this owner are stale from now on.
            pastCounts.keySet().removeIf(k -> k.startsWith(owner + "|") && !k.equals(key));
            pastCounts.put(key, new PastCount(before, count));
        });
    }

    private static Summary summary(Map<EmailStatus, Long> counts) {
        long sent = counts.getOrDefault(EmailStatus.SENT, 0L);
        long failed = counts.getOrDefault(EmailStatus.FAILED, 0L);
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        return new Summary(total, sent, failed, total - sent - failed);
    }
}

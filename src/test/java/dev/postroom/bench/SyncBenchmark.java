package dev.postroom.bench;

import dev.postroom.account.LinkApi;
import dev.postroom.events.EventPublisher;
import dev.postroom.events.Topics;
import dev.postroom.mail.MailboxChange;
import dev.postroom.mail.MessageDoc;
import dev.postroom.mail.SyncStateDoc;
import dev.postroom.search.BulkResult;
import dev.postroom.search.EngineException;
import dev.postroom.search.MirrorQueries;
import dev.postroom.search.MirrorWriter;
import dev.postroom.search.Refresh;
import dev.postroom.search.SearchIndices;
import dev.postroom.simulator.Faults;
import dev.postroom.simulator.Limits;
import dev.postroom.simulator.OutlookSimulator;
import dev.postroom.simulator.SimFolder;
import dev.postroom.simulator.SimMessage;
import dev.postroom.simulator.ThrottleStats;
import dev.postroom.sync.SyncConfig;
import dev.postroom.sync.SyncEngine;
import dev.postroom.testing.RealServers;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.Multi;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import javax.management.ObjectName;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The mailbox sync benchmark (issue 5, "Performance"; bench/README.md, "Mailbox sync"). It measures and reports; it
 * asserts nothing about time. Not part of {@code ./mvnw verify}: Surefire runs only classes named {@code *Test},
 * {@code *Tests}, {@code Test*} or {@code *TestCase} by default, so this one runs only when asked for:
 *
 * <pre>
 * ./mvnw -o verify -Dtest=SyncBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dbench.scenarios=initial
 * </pre>
 *
 * (bench/sync.sh does that per scenario and keeps the results). Same harness as the tests: real PostgreSQL, Redis,
 * OpenSearch and GreenMail started by the run, the Outlook simulator in this JVM, reached over HTTP. The engine runs
 * with production poll settings ({@link SyncBenchProfile}).
 *
 * <p>Scenarios ({@code -Dbench.scenarios}, comma-separated, default all, in this order): {@code initial}
 * (initial-sync throughput against the raw {@code _bulk} rate), {@code limits} (time to sync under Graph's limits
 * against the floor they impose), {@code latency} (change to event latency), {@code idle} (2,000 idle mailboxes: heap
 * and scheduler overhead). Each unlinks its mailboxes at its end, but one scenario per JVM gives the cleaner numbers.
 * Sizes: the {@code bench.*} properties read below, all with defaults.
 */
@QuarkusTest
@TestProfile(SyncBenchProfile.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SyncBenchmark {

    private static final Duration LONG_WAIT = Duration.ofMinutes(60);

    @Inject
    OutlookSimulator simulator;

    @Inject
    SyncEngine engine;

    @Inject
    MirrorQueries queries;

    @Inject
    MirrorWriter writer;

    @Inject
    SearchIndices indices;

    @Inject
    SyncConfig config;

    private final List<Runnable> cleanups = new ArrayList<>();

    @AfterEach
    void stopEngineAndCleanUp() {
        engine.stop().await().atMost(Duration.ofSeconds(30));
        if (Boolean.parseBoolean(System.getProperty("bench.cleanup", "true"))) {
            for (Runnable cleanup : cleanups) {
                try {
                    cleanup.run();
                } catch (RuntimeException e) {
                    System.err.println("bench cleanup: " + e);
                }
            }
        }
        cleanups.clear();
    }

    // ================================================================ 1. initial sync throughput

    /** What one initial sync of a big mailbox measured. */
    private record SyncRun(String address, UUID mailbox, int messages, double seconds, double rate,
            CpuMeter.Usage usage) {
    }

    @Test
    @Order(1)
    void initial() throws Exception {
        assumeScenario("initial");
        Report report = new Report(Report.outputDirectory(), "initial");
        int messages = intProperty("bench.initial.messages", 100_000);
        long seed = longProperty("bench.initial.seed", 20261122L);
        List<Integer> parallelism = intList("bench.raw.parallel", "1,2,3");
        int rawPage = intProperty("bench.raw.page", 1_000);
        int warmup = intProperty("bench.initial.warmup", messages);
        int rounds = intProperty("bench.initial.rounds", 3);
        header(report, "Initial-sync throughput");
        report.line("Mailboxes of %,d generated messages, throttling off in the simulator (Limits(1e9 per 10 min, 1,000"
                        + " concurrent), no faults, no latency). A warm-up sync of %,d messages first (both JVMs start cold),"
                        + " then %d rounds of: a sync of a new mailbox, then the raw `_bulk` ingest of the same documents with"
                        + " %s concurrent bulks. Before each measured phase the benchmark waits (up to %s) until CPU used by"
                        + " other processes on the machine is below %.2f cores; the `foreign` column says how much there was"
                        + " during the phase. A sync's time runs from the link's start (OAuth over HTTP with the simulator)"
                        + " until the mailbox is in the incremental phase and quiet (`SyncEngine.awaitQuiet`). Raw ingest:"
                        + " the documents of round 1's sync (MirrorQueries.snapshot) under a fresh account id per run,"
                        + " written with MirrorWriter.apply in pages of %,d (no Graph, no events, no PostgreSQL), deleted"
                        + " again afterwards; each sync's mailbox is unlinked after its round.", messages, warmup, rounds,
                parallelism.stream().map(String::valueOf).collect(Collectors.joining(", ")), quietMaxWait(),
                quietForeignCores(), rawPage);
        LinkApi.User user = LinkApi.signUp();
        CpuMeter cpu = cpuMeter();
        report.file("processes.txt", cpu.describeProcesses());
        engine.start();
        ConcurrentLinkedQueue<EventTap.Event> tapped = new ConcurrentLinkedQueue<>();
        List<String[]> rows = new ArrayList<>();
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        Map<String, List<Boolean>> clean = new LinkedHashMap<>();
        try (EventTap tap = new EventTap(redisUri(), EventPublisher.CHANNEL, tapped::add)) {
            if (warmup > 0) {
                String warm = bigMailbox(warmup, seed - 1);
                long w0 = System.nanoTime();
                UUID warmId = LinkApi.link(user, warm);
                waitIncremental(warmId, LONG_WAIT, report);
                engine.awaitQuiet(warmId, LONG_WAIT).await().atMost(LONG_WAIT.plusSeconds(5));
                double warmSeconds = seconds(w0);
                int status = unlinkAndPurge(user, warmId);
                simulator.deleteMailbox(warm);
                report.line("");
                report.line("Warm-up: %,d messages synced in %.1f s (%,.0f messages/s), then unlinked (HTTP %d).", warmup,
                        warmSeconds, warmup / warmSeconds, status);
            }
            List<MessageDoc> docs = null;
            for (int round = 1; round <= rounds; round++) {
                String gate = quietGate(cpu);
                SyncRun sync;
                try (Jfr jfr = round == Math.min(2, rounds) ? Jfr.startIf("initial", report, "initial-sync") : Jfr.none()) {
                    sync = syncOnce(report, "round " + round, user, bigMailbox(messages, seed + round), tapped, cpu, jfr,
                            round == 1);
                }
                record(rows, rates, clean, round, "sync", sync.rate(), sync.seconds(), sync.usage(), messages, gate);
                if (docs == null) {
                    indices.refresh().await().atMost(Duration.ofMinutes(1));
                    docs = queries.snapshot(sync.mailbox()).await().atMost(Duration.ofMinutes(10));
                    report.line("");
                    report.line("Documents of round 1's sync in the mirror: %,d (mailbox: %,d messages).", docs.size(),
                            messages);
                    report.figure("documents", docs.size());
                    if (Boolean.parseBoolean(System.getProperty("bench.initial.fetch-only", "true"))) {
                        quietGate(cpu);
                        fetchOnly(report, sync.address(), messages, cpu);
                    }
                }
                int status = unlinkAndPurge(user, sync.mailbox());
                simulator.deleteMailbox(sync.address());
                report.line("");
                report.line("Round %d's mailbox unlinked: DELETE /api/mailboxes/{id} answered %d; documents deleted.",
                        round, status);
                for (int concurrent : parallelism) {
                    Thread.sleep(3_000); // merges and refreshes of the previous phase settle
                    String rawGate = quietGate(cpu);
                    RawRun raw = rawRun(docs, rawPage, concurrent, cpu);
                    record(rows, rates, clean, round, "raw, " + concurrent + " concurrent", raw.rate(), raw.seconds(),
                            raw.usage(), raw.written(), rawGate);
                    report.figure("rounds.r" + round + ".raw" + concurrent + ".docsPerSecond", raw.rate());
                    report.figure("rounds.r" + round + ".raw" + concurrent + ".index", raw.index());
                }
            }
            report.file("initial-hot-threads-raw.txt", "(taken after the last raw run)\n"
                    + openSearchText("/_nodes/hot_threads?threads=6&interval=1s"));

            report.line("");
            report.line("#### All measured phases");
            report.line("");
            report.line("| round | phase | seconds | **messages/s** | foreign cores | test JVM / OpenSearch cores | CPU ms per 1,000:"
                    + " test JVM / OpenSearch / PostgreSQL | quiet gate |");
            report.line("|---|---|---|---|---|---|---|---|");
            rows.forEach(r -> report.line("| " + String.join(" | ", r) + " |"));
            report.line("");
            report.line("#### Sync ÷ raw (medians over the rounds; in brackets: only phases with foreign < %.2f cores)",
                    quietForeignCores());
            report.line("");
            report.line("| phase | median messages/s | clean median | sync ÷ this |");
            report.line("|---|---|---|---|");
            double syncMedian = median(rates.get("sync"));
            double syncClean = median(cleanOnly(rates.get("sync"), clean.get("sync")));
            for (Map.Entry<String, List<Double>> e : rates.entrySet()) {
                double m = median(e.getValue());
                double c = median(cleanOnly(e.getValue(), clean.get(e.getKey())));
                report.line("| %s | %,.0f (%s) | %s | %s |", e.getKey(), m,
                        e.getValue().stream().map(v -> String.format("%,.0f", v)).collect(Collectors.joining(", ")),
                        Double.isNaN(c) ? "-" : String.format("%,.0f", c),
                        e.getKey().equals("sync") ? "" : String.format("**%.2f** (%s)", syncMedian / m,
                                Double.isNaN(c) || Double.isNaN(syncClean) ? "-" : String.format("%.2f", syncClean / c)));
                report.figure("median." + e.getKey().replace(", ", "_").replace(' ', '_'), m);
                report.figure("cleanMedian." + e.getKey().replace(", ", "_").replace(' ', '_'), Double.isNaN(c) ? null : c);
            }
            report.line("");
            report.line("Files: initial-timeline-round-*.csv (progress every second), initial-hot-threads-*.txt (OpenSearch"
                    + " hot threads half way through round 1's sync and after the raw runs), initial-sync.jfr and"
                    + " initial-sync-jfr-views.txt (JFR of the test JVM during round 2's sync).");
        } finally {
            footer(report);
        }
    }

    private static void record(List<String[]> rows, Map<String, List<Double>> rates, Map<String, List<Boolean>> clean,
            int round, String phase, double rate, double seconds, CpuMeter.Usage usage, long messages, String gate) {
        double foreign = usage.cores("foreign");
        rows.add(new String[]{String.valueOf(round), phase, String.format("%.1f", seconds), String.format("**%,.0f**", rate),
                String.format("%.2f%s", foreign, foreign >= quietForeignCores() ? " (noisy)" : ""),
                String.format("%.2f / %.2f", usage.cores("jvm"), usage.cores("opensearch")),
                String.format("%.0f / %.0f / %.0f", usage.cpuSeconds().get("jvm") * 1e6 / messages,
                        usage.cpuSeconds().get("opensearch") * 1e6 / messages,
                        usage.cpuSeconds().get("postgres") * 1e6 / messages), gate});
        rates.computeIfAbsent(phase, k -> new ArrayList<>()).add(rate);
        clean.computeIfAbsent(phase, k -> new ArrayList<>()).add(foreign < quietForeignCores());
    }

    private static List<Double> cleanOnly(List<Double> values, List<Boolean> clean) {
        List<Double> kept = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            if (clean.get(i)) {
                kept.add(values.get(i));
            }
        }
        return kept;
    }

    private static double median(List<Double> values) {
        if (values == null || values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static double quietForeignCores() {
        return Double.parseDouble(System.getProperty("bench.quiet.foreign-cores", "0.25"));
    }

    private static Duration quietMaxWait() {
        return Duration.parse(System.getProperty("bench.quiet.max-wait", "PT5M"));
    }

    /**
     * Waits until the CPU used by processes other than this run's (other people's builds) stays below
     * {@code bench.quiet.foreign-cores} for 3 s, or {@code bench.quiet.max-wait} passed; says how it went.
     */
    private static String quietGate(CpuMeter cpu) throws InterruptedException {
        long start = System.nanoTime();
        double foreign;
        do {
            CpuMeter.Sample before = cpu.sample();
            Thread.sleep(3_000);
            foreign = cpu.sample().since(before).cores("foreign");
        } while (foreign >= quietForeignCores() && System.nanoTime() - start < quietMaxWait().toNanos());
        return String.format("%s after %.0f s (%.2f)", foreign < quietForeignCores() ? "quiet" : "NOT quiet",
                seconds(start), foreign);
    }

    /** A simulated mailbox of {@code messages} generated messages, with throttling off. */
    private String bigMailbox(int messages, long seed) {
        String address = LinkApi.unique("bench-initial");
        simulator.createMailbox(address, "Initial sync benchmark", false);
        simulator.setLimits(address, new Limits(1_000_000_000, Duration.ofMinutes(10), 1_000));
        simulator.setFaults(address, Faults.none());
        simulator.generateMessages(address, messages, seed);
        return address;
    }

    /** Links the mailbox and waits for its initial sync to be done and quiet; reports what happened. */
    private SyncRun syncOnce(Report report, String name, LinkApi.User user, String address,
            ConcurrentLinkedQueue<EventTap.Event> tapped, CpuMeter cpu, Jfr jfr, boolean hotThreads) throws Exception {
        int messages = simulator.messageCount(address);
        Thread.sleep(2_000);
        JsonObject statsBefore = indexStats();
        GcCounter gc = new GcCounter();
        CpuMeter.Sample cpu0 = cpu.sample();
        long t0 = System.nanoTime();
        UUID mailbox = LinkApi.link(user, address);
        long linked = System.nanoTime();
        boolean leasedAtLinkReturn = engine.liveState(mailbox).isPresent();
        StringBuilder timeline = new StringBuilder("seconds,phase,foldersDone,foldersTotal,messagesIndexed\n");
        boolean hotThreadsTaken = !hotThreads;
        long incremental = 0;
        long nextSample = t0;
        while (incremental == 0) {
            SyncStateDoc state = engine.liveState(mailbox).orElse(null);
            long now = System.nanoTime();
            if (state != null && now >= nextSample) {
                timeline.append(String.format(Locale.ROOT, "%.2f,%s,%d,%d,%d%n", (now - t0) / 1e9, state.phase(),
                        state.foldersDone(), state.foldersTotal(), state.messagesIndexed()));
                nextSample = now + 1_000_000_000L;
                if (!hotThreadsTaken && state.messagesIndexed() >= messages / 2) {
                    hotThreadsTaken = true;
                    report.file("initial-hot-threads-sync.txt", openSearchText("/_nodes/hot_threads?threads=6&interval=1s"));
                }
            }
            if (state != null && "incremental".equals(state.phase())) {
                incremental = now;
            } else if (now - t0 > LONG_WAIT.toNanos()) {
                threadDump(report, "initial-threads-timeout.txt");
                report.line("**Sync %s did not reach the incremental phase within %s** (last state: %s).", name, LONG_WAIT, state);
                throw new AssertionError("initial sync did not finish within " + LONG_WAIT);
            } else {
                Thread.sleep(20);
            }
        }
        engine.awaitQuiet(mailbox, LONG_WAIT).await().atMost(LONG_WAIT.plusSeconds(5));
        long quiet = System.nanoTime();
        CpuMeter.Usage usage = cpu.sample().since(cpu0);
        String gcText = gc.since();
        jfr.stopAndSummarise();
        JsonObject statsAfter = indexStats();
        report.file("initial-timeline-" + name.replace(' ', '-') + ".csv", timeline.toString());

        ThrottleStats stats = simulator.stats(address);
        SyncStateDoc finalState = engine.liveState(mailbox).orElseThrow();
        String topic = Topics.mailbox(mailbox);
        List<EventTap.Event> mine = tapped.stream().filter(e -> e.topic().equals(topic)).toList();
        List<EventTap.Event> indexed = mine.stream().filter(e -> "indexed".equals(e.json().getString("type"))).toList();
        Map<String, List<EventTap.Event>> perFolder = new LinkedHashMap<>();
        for (EventTap.Event event : indexed) {
            perFolder.computeIfAbsent(event.json().getString("folderId"), k -> new ArrayList<>()).add(event);
        }
        double total = (quiet - t0) / 1e9;
        double rate = messages / total;
        report.line("");
        report.line("#### Sync, %s", name);
        report.line("");
        report.line("| figure | value |");
        report.line("|---|---|");
        report.line("| messages | %,d (%s) |", messages, folderCounts(address));
        report.line("| link (OAuth over HTTP with the simulator) | %.2f s (engine already syncing when it returned: %s) |",
                (linked - t0) / 1e9, leasedAtLinkReturn);
        report.line("| link start → phase incremental | %.1f s |", (incremental - t0) / 1e9);
        report.line("| link start → initial sync done and quiet | **%.1f s** |", total);
        report.line("| **messages/s into the index** | **%,.0f** (from the link's return: %,.0f) |", rate,
                messages / ((quiet - linked) / 1e9));
        report.line("| Graph requests (simulator stats) | %,d (admitted %,d, 429 %d, 503 %d, most in flight %d) |",
                stats.requests(), stats.admitted(), stats.throttled() + stats.concurrencyThrottled(),
                stats.unavailable(), stats.maxConcurrent());
        report.line("| message pages written (`indexed` events) | %,d |", indexed.size());
        report.line("| events on `mailbox:<id>` | %,d |", mine.size());
        report.line("| final state | %s, %d/%d folders, %,d indexed |", finalState.phase(), finalState.foldersDone(),
                finalState.foldersTotal(), finalState.messagesIndexed());
        report.line("| test JVM GC during the sync | %s |", gcText);
        report.line("| OpenSearch, messages index | %s |", indexDelta(statsBefore, statsAfter));
        report.line("| CPU (cores = CPU-s ÷ wall) | %s |", usage.describe());
        report.line("| CPU per 1,000 messages | %s |", perThousand(usage, messages));
        report.line("");
        report.line("Each folder's first round (pages = its `indexed` events; seconds after link start):");
        report.line("");
        report.line("| folder | pages | messages | first page at s | done at s | messages/s from its first page to its last |");
        report.line("|---|---|---|---|---|---|");
        Map<String, String> names = simulator.folders(address).stream()
                .collect(Collectors.toMap(SimFolder::id, SimFolder::displayName));
        long othersDone = 0;
        String biggest = null;
        for (Map.Entry<String, List<EventTap.Event>> e : perFolder.entrySet()) {
            if (biggest == null || e.getValue().size() > perFolder.get(biggest).size()) {
                biggest = e.getKey();
            }
        }
        for (Map.Entry<String, List<EventTap.Event>> e : perFolder.entrySet().stream()
                .sorted(Comparator.comparingLong(e -> e.getValue().getLast().nanos())).toList()) {
            List<EventTap.Event> pages = e.getValue();
            long count = pages.stream().mapToLong(p -> p.json().getLong("count")).sum();
            double firstAt = (pages.getFirst().nanos() - t0) / 1e9;
            double doneAt = (pages.getLast().nanos() - t0) / 1e9;
            // One page: written at once, no rate to speak of (its fetch and wait are before the first event).
            report.line("| %s | %d | %,d | %.1f | %.1f | %s |", names.getOrDefault(e.getKey(), e.getKey()), pages.size(),
                    count, firstAt, doneAt, pages.size() < 2 ? "-"
                            : String.format("%,.0f", pages.stream().skip(1).mapToLong(p -> p.json().getLong("count")).sum()
                            / (doneAt - firstAt)));
            if (!e.getKey().equals(biggest)) {
                othersDone = Math.max(othersDone, pages.getLast().nanos());
            }
        }
        if (biggest != null) {
            long after = othersDone;
            List<EventTap.Event> alone = perFolder.get(biggest).stream().filter(p -> p.nanos() > after).toList();
            if (alone.size() >= 3) {
                List<Double> gaps = new ArrayList<>();
                for (int i = 1; i < alone.size(); i++) {
                    gaps.add((alone.get(i).nanos() - alone.get(i - 1).nanos()) / 1e6);
                }
                List<Double> sorted = gaps.stream().sorted().toList();
                long count = alone.stream().skip(1).mapToLong(p -> p.json().getLong("count")).sum();
                double alonePageMs = Report.percentile(sorted, 50);
                report.line("");
                report.line("%s alone (after every other folder was done): %d pages, one page every %.0f ms (median;"
                                + " p90 %.0f ms), %,.0f messages/s.", names.getOrDefault(biggest, biggest), alone.size(),
                        alonePageMs, Report.percentile(sorted, 90),
                        count / ((alone.getLast().nanos() - alone.getFirst().nanos()) / 1e9));
                report.figure(name.replace(' ', '_') + ".biggestFolderAlonePageMs", alonePageMs);
            }
        }
        String key = "rounds." + name.replace("round ", "r");
        report.figure(key + ".messages", messages);
        report.figure(key + ".linkSeconds", (linked - t0) / 1e9);
        report.figure(key + ".toIncrementalSeconds", (incremental - t0) / 1e9);
        report.figure(key + ".toQuietSeconds", total);
        report.figure(key + ".messagesPerSecond", rate);
        report.figure(key + ".requests", stats.requests());
        report.figure(key + ".pages", indexed.size());
        report.figure(key + ".cpu", cpuJson(usage));
        report.figure(key + ".cpuMsPer1000", perThousandJson(usage, messages));
        return new SyncRun(address, mailbox, messages, total, rate, usage);
    }

    /** The simulator alone: the same folders' pages fetched over HTTP and thrown away. */
    private void fetchOnly(Report report, String address, int messages, CpuMeter cpu) throws Exception {
        GraphFetcher fetcher = new GraphFetcher(LinkApi.publicUrl(), address);
        List<String> order = simulator.folders(address).stream()
                .sorted(Comparator.comparingInt((SimFolder f) -> "inbox".equals(f.wellKnownName()) ? 0
                        : f.wellKnownName() != null ? 1 : 2))
                .map(SimFolder::id).toList();
        GcCounter fetchGc = new GcCounter();
        CpuMeter.Sample f0 = cpu.sample();
        GraphFetcher.Result fetched = fetcher.readAll(order, config.pageSize(), config.foldersInParallel());
        CpuMeter.Usage fetchUsage = cpu.sample().since(f0);
        report.line("");
        report.line("#### Fetch only");
        report.line("");
        report.line("The same folders' deltas read over HTTP from the simulator, %d folders at a time, pages of %d, thrown"
                        + " away unparsed: %.1f s, **%,.0f messages/s**, %,d pages, %.1f MB (%.0f bytes per message), test JVM"
                        + " GC %s. CPU per 1,000 messages: %s.", config.foldersInParallel(), config.pageSize(),
                fetched.seconds(), messages / fetched.seconds(), fetched.pages(), fetched.bytes() / 1e6,
                fetched.bytes() / (double) messages, fetchGc.since(), perThousand(fetchUsage, messages));
        report.figure("fetchOnly.seconds", fetched.seconds());
        report.figure("fetchOnly.messagesPerSecond", messages / fetched.seconds());
        report.figure("fetchOnly.bytes", fetched.bytes());
        report.figure("fetchOnly.cpuMsPer1000", perThousandJson(fetchUsage, messages));
    }

    private record RawRun(double seconds, double rate, int written, CpuMeter.Usage usage, String index) {
    }

    /** One raw ingest of the documents under a fresh account id, {@code concurrent} bulks at a time; then deleted. */
    private RawRun rawRun(List<MessageDoc> docs, int pageSize, int concurrent, CpuMeter cpu) {
        UUID account = UUID.randomUUID();
        List<List<MailboxChange>> pages = pages(docs, account, pageSize);
        JsonObject before = indexStats();
        CpuMeter.Sample start = cpu.sample();
        long t = System.nanoTime();
        AtomicInteger refused = new AtomicInteger();
        // OpenSearch answers 429 when its memory circuit breaker trips (a 512 MB heap): wait a little and send the page
        // again, as a client would; the number of such retries is reported.
        List<BulkResult> results = Multi.createFrom().iterable(pages)
                .onItem().transformToUni(page -> writer.apply(account, 1, page)
                        .onFailure(e -> e instanceof EngineException ee && ee.status() == 429)
                        .invoke(refused::incrementAndGet)
                        .onFailure(e -> e instanceof EngineException ee && ee.status() == 429)
                        .retry().withBackOff(Duration.ofMillis(500), Duration.ofSeconds(5)).atMost(20))
                .merge(concurrent)
                .collect().asList().await().atMost(Duration.ofMinutes(30));
        double elapsed = seconds(t);
        CpuMeter.Usage usage = cpu.sample().since(start);
        int written = results.stream().mapToInt(BulkResult::written).sum();
        String index = indexDelta(before, indexStats()) + (refused.get() > 0 ? ", " + refused.get() + " bulks refused"
                + " with 429 and sent again" : "");
        purgeAccount(account);
        return new RawRun(elapsed, written / elapsed, written, usage, index);
    }

    // ================================================================ 2. under Graph's limits

    @Test
    @Order(2)
    void limits() throws Exception {
        assumeScenario("limits");
        Report report = new Report(Report.outputDirectory(), "limits" + label());
        int messages = intProperty("bench.limits.messages", 20_000);
        Duration latency = Duration.parse(System.getProperty("bench.limits.latency", "PT0.15S"));
        int budget = intProperty("bench.limits.requests", 10_000);
        Duration window = Duration.parse(System.getProperty("bench.limits.window", "PT10M"));
        int concurrent = intProperty("bench.limits.concurrent", 4);
        boolean baseline = Boolean.parseBoolean(System.getProperty("bench.limits.baseline", "true"));
        int pageSize = config.pageSize();
        header(report, "Under Graph's limits, page size " + pageSize);
        report.line("Mailboxes of %,d generated messages; simulator limits Limits(%,d per %s, %d concurrent); added latency"
                + " per admitted Graph request %d ms%s. Engine page size %d.", messages, budget, window, concurrent,
                latency.toMillis(), baseline ? " (and a baseline mailbox with no added latency)" : "", pageSize);
        LinkApi.User user = LinkApi.signUp();
        CpuMeter cpu = cpuMeter();
        engine.start();
        report.line("");
        report.line("| added latency | requests R | link start → quiet | R × L / %d | budget floor | **limits floor** | **measured ÷ limits floor** | chain floor | measured ÷ chain floor | engine's sequential path | most in flight | 429s |", concurrent);
        report.line("|---|---|---|---|---|---|---|---|---|---|---|---|");
        List<Duration> latencies = baseline ? List.of(Duration.ZERO, latency) : List.of(latency);
        StringBuilder cpuRows = new StringBuilder();
        StringBuilder notes = new StringBuilder();
        try {
            for (Duration added : latencies) {
                String address = LinkApi.unique("bench-limits");
                simulator.createMailbox(address, "Limits benchmark", false);
                simulator.generateMessages(address, messages, 7 + added.toMillis());
                simulator.setLimits(address, new Limits(budget, window, concurrent));
                simulator.setFaults(address, Faults.none().withLatency(added));
                simulator.resetStats(address);
                List<SimFolder> folders = simulator.folders(address);
                String gate = quietGate(cpu);
                CpuMeter.Sample c0 = cpu.sample();
                long t0 = System.nanoTime();
                UUID mailbox = LinkApi.link(user, address);
                long linked = System.nanoTime();
                cleanups.add(() -> unlink(user, mailbox));
                waitIncremental(mailbox, LONG_WAIT, report);
                engine.awaitQuiet(mailbox, LONG_WAIT).await().atMost(LONG_WAIT.plusSeconds(5));
                double measured = seconds(t0);
                CpuMeter.Usage usage = cpu.sample().since(c0);
                ThrottleStats stats = simulator.stats(address);

                double l = added.toNanos() / 1e9;
                long r = stats.requests();
                int folderPagesSum = 0;
                int longestChain = 0;
                String longestFolder = "";
                for (SimFolder folder : folders) {
                    int pages = Math.max(1, (folder.totalItemCount() + pageSize - 1) / pageSize);
                    folderPagesSum += pages;
                    if (pages > longestChain) {
                        longestChain = pages;
                        longestFolder = folder.displayName();
                    }
                }
                int subscriptionRequests = SyncBenchProfile.notificationsOn() ? 1 : 0;
                // R = 1 (/me while linking) + 6 (well-known folder ids) + T (folder tree pages) + Σ folder pages (+ 1 subscription)
                long treePages = r - 1 - 6 - folderPagesSum - subscriptionRequests;
                double concurrencyFloor = r * l / concurrent;
                double budgetFloor = r <= budget ? 0 : (Math.ceil((double) r / budget) - 1) * window.toNanos() / 1e9;
                double limitsFloor = Math.max(concurrencyFloor, budgetFloor);
                double chainFloor = (1 + treePages + longestChain) * l;
                double enginePath = (1 + 6 + treePages + longestChain) * l;
                report.line("| %d ms | %d | **%.2f s** | %.2f s | %.0f s | **%.2f s** | **%s** | %.2f s | %s | %.2f s | %d | %d |",
                        added.toMillis(), r, measured, concurrencyFloor, budgetFloor, limitsFloor,
                        limitsFloor > 0 ? String.format("%.2f", measured / limitsFloor) : "n/a", chainFloor,
                        chainFloor > 0 ? String.format("%.2f", measured / chainFloor) : "n/a", enginePath,
                        stats.maxConcurrent(), stats.throttled() + stats.concurrencyThrottled());
                notes.append(String.format(Locale.ROOT, "- %d ms: link took %.2f s; R = 1 /me + 6 well-known + %d tree"
                                + " page(s) + %d folder pages over %d folders%s; longest chain: %s, %d pages; %s; %s%n",
                        added.toMillis(), (linked - t0) / 1e9, treePages, folderPagesSum, folders.size(),
                        subscriptionRequests > 0 ? " + 1 subscription" : "", longestFolder, longestChain, stats, gate));
                cpuRows.append(usage.row(added.toMillis() + " ms added")).append('\n');
                String key = "latency" + added.toMillis() + "ms";
                report.figure(key + ".pageSize", pageSize);
                report.figure(key + ".messages", messages);
                report.figure(key + ".seconds", measured);
                report.figure(key + ".requests", r);
                report.figure(key + ".treePages", treePages);
                report.figure(key + ".folderPages", folderPagesSum);
                report.figure(key + ".longestChainPages", longestChain);
                report.figure(key + ".concurrencyFloor", concurrencyFloor);
                report.figure(key + ".budgetFloor", budgetFloor);
                report.figure(key + ".limitsFloor", limitsFloor);
                report.figure(key + ".chainFloor", chainFloor);
                report.figure(key + ".enginePath", enginePath);
                report.figure(key + ".maxInFlight", stats.maxConcurrent());
                report.figure(key + ".throttled", stats.throttled() + stats.concurrencyThrottled());
                report.figure(key + ".cpu", cpuJson(usage));
            }
            report.line("");
            report.line(notes.toString().strip());
            report.line("");
            report.line("Floors (L = added latency per request, R = requests the sync made, from the simulator's stats):");
            report.line("- limits floor = max(R × L / %d concurrent, budget floor); budget floor = (⌈R / %,d⌉ − 1) × %s"
                    + " (fixed windows, as the simulator counts; 0 while R ≤ %,d).", concurrent, budget, window, budget);
            report.line("- chain floor = (1 + T + longest folder's pages) × L: /me, the folder tree's T pages and the biggest"
                    + " folder's delta pages must follow each other (each page's link comes from the previous page), whatever"
                    + " the concurrency.");
            report.line("- engine's sequential path = chain floor + 6 × L: the engine also asks for the 6 well-known folder"
                    + " ids one after another before the folder tree.");
            report.line("");
            report.line(CpuMeter.Usage.header());
            report.line(cpuRows.toString().strip());
        } finally {
            footer(report);
        }
    }

    // ================================================================ 3. change latency

    private enum Kind {
        READ_INBOX("markRead, Inbox", "inbox"),
        READ_ARCHIVE("markRead, Archive", "archive"),
        MOVE_TO_ARCHIVE("move Inbox → Archive", "archive"),
        MOVE_TO_INBOX("move Archive → Inbox", "inbox"),
        NEW_MAIL("newMail (Inbox)", "inbox");

        final String label;
        /** The folder whose delta round reports the change. */
        final String folder;

        Kind(String label, String folder) {
            this.label = label;
            this.folder = folder;
        }
    }

    private record Change(int number, int mailbox, Kind kind, String messageId, long madeAt,
            Predicate<JsonObject> matches) {
    }

    @Test
    @Order(3)
    void latency() throws Exception {
        assumeScenario("latency");
        boolean notifications = SyncBenchProfile.notificationsOn();
        Report report = new Report(Report.outputDirectory(), "latency-" + (notifications ? "notifications" : "polling"));
        int mailboxCount = intProperty("bench.latency.mailboxes", 10);
        int messages = intProperty("bench.latency.messages", 500);
        int changeCount = intProperty("bench.latency.changes", 200);
        Duration spacing = Duration.parse(System.getProperty("bench.latency.spacing", "PT6S"));
        Duration settle = Duration.parse(System.getProperty("bench.latency.settle", "PT2M"));
        Duration tail = Duration.parse(System.getProperty("bench.latency.tail",
                notifications ? "PT2M" : config.poll().max().plusMinutes(1).toString()));
        header(report, "Change latency, notifications " + (notifications ? "on" : "off"));
        report.line("%d mailboxes of %,d messages. %d changes, one every %s on average (uniform 0.5–1.5×), round robin over"
                        + " the mailboxes (so each mailbox changes about every %.0f s), kinds in turn: %s. Measuring starts"
                        + " %s after every mailbox was quiet. A change's latency: from just before the simulator call to the"
                        + " arrival of the matching `message` event on `postroom:events` (a plain Redis connection, its own"
                        + " thread).", mailboxCount, messages, changeCount, spacing, spacing.toMillis() * mailboxCount / 1e3,
                Arrays.stream(Kind.values()).map(k -> k.label).collect(Collectors.joining(", ")), settle);

        LinkApi.User user = LinkApi.signUp();
        CpuMeter cpu = cpuMeter();
        engine.start();
        List<String> addresses = new ArrayList<>();
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < mailboxCount; i++) {
            String address = LinkApi.unique("bench-latency");
            simulator.createMailbox(address, "Latency benchmark " + i, false);
            simulator.generateMessages(address, messages, 1_000 + i);
            addresses.add(address);
            UUID id = LinkApi.link(user, address);
            ids.add(id);
            cleanups.add(() -> unlink(user, id));
        }
        for (UUID id : ids) {
            waitIncremental(id, LONG_WAIT, report);
            engine.awaitQuiet(id, LONG_WAIT).await().atMost(LONG_WAIT.plusSeconds(5));
        }
        int subscribed = 0;
        for (String address : addresses) {
            subscribed += simulator.subscriptions(address).isEmpty() ? 0 : 1;
        }
        report.line("");
        report.line("Mailboxes with a change subscription at the simulator: %d of %d.", subscribed, mailboxCount);
        Thread.sleep(settle.toMillis());

        ConcurrentLinkedQueue<EventTap.Event> tapped = new ConcurrentLinkedQueue<>();
        List<Change> changes = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(longProperty("bench.latency.seed", 5L));
        Set<String> used = new HashSet<>();
        Map<String, Integer> sent = new HashMap<>();
        try (EventTap tap = new EventTap(redisUri(), EventPublisher.CHANNEL, tapped::add)) {
            CpuMeter.Sample c0 = cpu.sample();
            long requests0 = totalRequests(addresses);
            long start = System.nanoTime();
            long due = start;
            for (int n = 0; n < changeCount; n++) {
                due += (long) (spacing.toNanos() * (0.5 + random.nextDouble()));
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                int m = n % mailboxCount;
                Kind kind = Kind.values()[(n / mailboxCount) % Kind.values().length];
                changes.add(change(n, m, kind, addresses.get(m), random, used));
                sent.merge(kind.label, 1, Integer::sum);
            }
            long lastMade = System.nanoTime();
            // Wait for the stragglers: until every change was seen, or the tail ran out.
            long tailEnd = lastMade + tail.toNanos();
            while (System.nanoTime() < tailEnd && changes.stream().anyMatch(c -> firstMatch(c, ids, tapped) == null)) {
                Thread.sleep(500);
            }
            CpuMeter.Usage usage = cpu.sample().since(c0);
            long requests = totalRequests(addresses) - requests0;

            StringBuilder csv = new StringBuilder("n,mailbox,kind,messageId,latencyMs,firstEventMs,firstEventChange,matchedChange\n");
            Map<Kind, List<Double>> byKind = new LinkedHashMap<>();
            List<Double> all = new ArrayList<>();
            Map<String, Integer> moveShapes = new LinkedHashMap<>();
            int unseen = 0;
            for (Change c : changes) {
                EventTap.Event match = firstMatch(c, ids, tapped);
                EventTap.Event first = firstAbout(c, ids, tapped);
                double ms = match == null ? Double.NaN : (match.nanos() - c.madeAt()) / 1e6;
                csv.append(String.format(Locale.ROOT, "%d,%d,%s,%s,%.1f,%.1f,%s,%s%n", c.number(), c.mailbox(), c.kind(),
                        c.messageId(), ms, first == null ? Double.NaN : (first.nanos() - c.madeAt()) / 1e6,
                        first == null ? "" : first.json().getString("change"),
                        match == null ? "" : match.json().getString("change")));
                if (match == null) {
                    unseen++;
                    continue;
                }
                byKind.computeIfAbsent(c.kind(), k -> new ArrayList<>()).add(ms);
                all.add(ms);
                if (c.kind() == Kind.MOVE_TO_ARCHIVE || c.kind() == Kind.MOVE_TO_INBOX) {
                    String shape = first != null && first != match && "deleted".equals(first.json().getString("change"))
                            ? "deleted from the source, then created in the destination"
                            : "'" + match.json().getString("change") + "' in the destination";
                    moveShapes.merge(shape, 1, Integer::sum);
                }
            }
            report.file("latency-" + (notifications ? "notifications" : "polling") + "-samples.csv", csv.toString());
            report.line("");
            report.line("| changes | seen | p50 | p95 | max | bound (target) | over the bound |");
            report.line("|---|---|---|---|---|---|---|");
            long inboxBound = (notifications ? 2_000 : config.poll().inboxMax().toMillis() + 1_000);
            long otherBound = (notifications ? 2_000 : config.poll().max().toMillis() + 1_000);
            for (Map.Entry<Kind, List<Double>> e : byKind.entrySet()) {
                List<Double> sorted = e.getValue().stream().sorted().toList();
                long bound = "inbox".equals(e.getKey().folder) ? inboxBound : otherBound;
                long over = sorted.stream().filter(v -> v > bound).count();
                report.line("| %s | %d of %d | %s | %s | %s | %s | %d |", e.getKey().label, sorted.size(),
                        sent.get(e.getKey().label), ms(Report.percentile(sorted, 50)), ms(Report.percentile(sorted, 95)),
                        ms(sorted.getLast()), notifications ? "p95 ≤ 2 s" : "≤ " + ms(bound) + " (poll max + 1 s)", over);
                report.figure("kinds." + e.getKey().name() + ".p50ms", Report.percentile(sorted, 50));
                report.figure("kinds." + e.getKey().name() + ".p95ms", Report.percentile(sorted, 95));
                report.figure("kinds." + e.getKey().name() + ".maxMs", sorted.getLast());
            }
            List<Double> sortedAll = all.stream().sorted().toList();
            report.line("| **all** | %d of %d | **%s** | **%s** | %s | | |", sortedAll.size(), changes.size(),
                    ms(Report.percentile(sortedAll, 50)), ms(Report.percentile(sortedAll, 95)),
                    sortedAll.isEmpty() ? "-" : ms(sortedAll.getLast()));
            report.figure("all.p50ms", Report.percentile(sortedAll, 50));
            report.figure("all.p95ms", Report.percentile(sortedAll, 95));
            report.figure("all.maxMs", sortedAll.isEmpty() ? null : sortedAll.getLast());
            report.figure("all.unseen", unseen);
            report.figure("requestsPerMinute", requests / (usage.wallSeconds() / 60));
            report.figure("cpu", cpuJson(usage));
            report.line("");
            report.line("Not seen within %s after the last change: %d. Moves showed up as: %s.", tail, unseen, moveShapes);
            report.line("Graph requests of these %d mailboxes while measuring: %,d (%.0f per minute).", mailboxCount,
                    requests, requests / (usage.wallSeconds() / 60));
            report.line("");
            report.line(CpuMeter.Usage.header());
            report.line(usage.row("measuring"));
        } finally {
            footer(report);
        }
    }

    /** Makes one change of the given kind in a mailbox and says which event will show it. */
    private Change change(int n, int mailbox, Kind kind, String address, SplittableRandom random, Set<String> used) {
        String inbox = simulator.folderId(address, "inbox");
        String archive = simulator.folderId(address, "archive");
        return switch (kind) {
            case READ_INBOX, READ_ARCHIVE -> {
                SimMessage message = pick(address, kind == Kind.READ_INBOX ? "inbox" : "archive", random, used);
                boolean read = !message.isRead();
                long at = System.nanoTime();
                simulator.markRead(address, message.id(), read);
                String folder = kind == Kind.READ_INBOX ? inbox : archive;
                yield new Change(n, mailbox, kind, message.id(), at, e -> "updated".equals(e.getString("change"))
                        && folder.equals(e.getString("folderId"))
                        && e.getJsonObject("message") != null && e.getJsonObject("message").getBoolean("isRead") == read);
            }
            case MOVE_TO_ARCHIVE, MOVE_TO_INBOX -> {
                boolean toArchive = kind == Kind.MOVE_TO_ARCHIVE;
                SimMessage message = pick(address, toArchive ? "inbox" : "archive", random, used);
                String destination = toArchive ? archive : inbox;
                long at = System.nanoTime();
                simulator.move(address, message.id(), toArchive ? "archive" : "inbox");
                yield new Change(n, mailbox, kind, message.id(), at, e -> ("moved".equals(e.getString("change"))
                        || "created".equals(e.getString("change"))) && destination.equals(e.getString("folderId")));
            }
            case NEW_MAIL -> {
                long at = System.nanoTime();
                SimMessage message = simulator.newMail(address, "Benchmark mail " + n, "Bench <bench@example.org>");
                used.add(message.id());
                yield new Change(n, mailbox, kind, message.id(), at, e -> "created".equals(e.getString("change"))
                        && inbox.equals(e.getString("folderId")));
            }
        };
    }

    private SimMessage pick(String address, String folder, SplittableRandom random, Set<String> used) {
        List<SimMessage> candidates = simulator.messagesIn(address, folder).stream()
                .filter(m -> !used.contains(m.id())).toList();
        if (candidates.isEmpty()) {
            throw new IllegalStateException("no unused message left in " + folder + " of " + address);
        }
        SimMessage message = candidates.get(random.nextInt(candidates.size()));
        used.add(message.id());
        return message;
    }

    private static EventTap.Event firstMatch(Change change, List<UUID> ids, Iterable<EventTap.Event> events) {
        String topic = Topics.mailbox(ids.get(change.mailbox()));
        for (EventTap.Event e : events) {
            if (e.nanos() >= change.madeAt() && e.topic().equals(topic) && "message".equals(e.json().getString("type"))
                    && change.messageId().equals(e.json().getString("messageId")) && change.matches().test(e.json())) {
                return e;
            }
        }
        return null;
    }

    private static EventTap.Event firstAbout(Change change, List<UUID> ids, Iterable<EventTap.Event> events) {
        String topic = Topics.mailbox(ids.get(change.mailbox()));
        for (EventTap.Event e : events) {
            if (e.nanos() >= change.madeAt() && e.topic().equals(topic) && "message".equals(e.json().getString("type"))
                    && change.messageId().equals(e.json().getString("messageId"))) {
                return e;
            }
        }
        return null;
    }

    // ================================================================ 4. many idle mailboxes

    @Test
    @Order(4)
    void idle() throws Exception {
        assumeScenario("idle");
        Report report = new Report(Report.outputDirectory(), "idle");
        int count = intProperty("bench.idle.mailboxes", 2_000);
        int messages = intProperty("bench.idle.messages", 5);
        int threads = intProperty("bench.idle.link-threads", 4);
        Duration settle = Duration.parse(System.getProperty("bench.idle.settle", "PT6M"));
        Duration window = Duration.parse(System.getProperty("bench.idle.window", "PT60S"));
        header(report, count + " linked idle mailboxes");
        CpuMeter cpu = cpuMeter();
        report.file("processes.txt", cpu.describeProcesses());

        long h0 = usedHeapAfterGc();
        List<String> addresses = new ArrayList<>();
        long made = System.nanoTime();
        for (int i = 0; i < count; i++) {
            String address = LinkApi.unique("bench-idle");
            simulator.createMailbox(address, "Idle " + i, false);
            simulator.generateMessages(address, messages, 50_000 + i);
            addresses.add(address);
        }
        double makeSeconds = seconds(made);
        // Linking with the engine stopped: nothing syncs yet, so the heap below has everything but the engine's share.
        LinkApi.User user = LinkApi.signUp();
        long linkStart = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<UUID>> linking = new ArrayList<>();
        for (String address : addresses) {
            linking.add(pool.submit(() -> LinkApi.link(user, address)));
        }
        List<UUID> ids = new ArrayList<>();
        for (Future<UUID> future : linking) {
            UUID id = future.get();
            ids.add(id);
        }
        pool.shutdown();
        double linkSeconds = seconds(linkStart);
        cleanups.add(() -> ids.forEach(id -> unlink(user, id)));
        Thread.sleep(2_000);
        long h1 = usedHeapAfterGc();
        Map<String, long[]> histogram1 = histogram();
        report.line("Made %,d simulated mailboxes of %d messages in %.1f s; linked them over HTTP (OAuth with the"
                + " simulator, %d threads) in %.1f s (%.0f ms each, engine stopped).", count, messages, makeSeconds,
                threads, linkSeconds, linkSeconds * 1000 / count * threads);

        try {
            CpuMeter.Sample c0 = cpu.sample();
            long t0 = System.nanoTime();
            engine.start();
            int lastReported = -1;
            long deadline = t0 + LONG_WAIT.toNanos();
            while (true) {
                int incremental = 0;
                for (UUID id : ids) {
                    incremental += engine.liveState(id).map(s -> "incremental".equals(s.phase())).orElse(false) ? 1 : 0;
                }
                if (incremental == count) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    threadDump(report, "idle-threads-timeout.txt");
                    report.line("**Only %d of %d mailboxes reached the incremental phase within %s.**", incremental, count, LONG_WAIT);
                    throw new AssertionError("not all mailboxes synced");
                }
                if (incremental / 200 != lastReported) {
                    lastReported = incremental / 200;
                    System.out.printf("[bench idle] %.0f s: %d of %d incremental%n", seconds(t0), incremental, count);
                }
                Thread.sleep(500);
            }
            double toIncremental = seconds(t0);
            for (UUID id : ids) {
                engine.awaitQuiet(id, Duration.ofMinutes(10)).await().atMost(Duration.ofMinutes(11));
            }
            double toQuiet = seconds(t0);
            CpuMeter.Usage initial = cpu.sample().since(c0);
            report.line("Engine started: all %,d incremental after %.1f s, each seen quiet (nothing running or due) by %.1f s.",
                    count, toIncremental, toQuiet);

            Window first = idleWindow(cpu, addresses, window, null);
            report.line("Settling for %s so that every folder's poll interval reaches its maximum …", settle);
            Thread.sleep(settle.toMillis());
            long h2 = usedHeapAfterGc();
            Map<String, long[]> histogram2 = histogram();
            try (Jfr jfr = Jfr.startIf("idle", report, "idle-window")) {
                Window steady = idleWindow(cpu, addresses, window, jfr);
                engine.stop().await().atMost(Duration.ofSeconds(30));
                Thread.sleep(2_000);
                long h3 = usedHeapAfterGc();

                double perMailbox = (h2 - h1) / (double) count;
                long[] rounds1 = histogram1.getOrDefault("dev.postroom.simulator.DeltaService$Round", new long[2]);
                long[] rounds2 = histogram2.getOrDefault("dev.postroom.simulator.DeltaService$Round", new long[2]);
                report.line("");
                report.line("| figure | value |");
                report.line("|---|---|");
                report.line("| used heap after GC: before making anything / simulated mailboxes linked, engine stopped (H1)"
                        + " / engine running, all idle, after settling (H2) / engine stopped again (H3) | %s / %s / %s / %s |",
                        mib(h0), mib(h1), mib(h2), mib(h3));
                report.line("| **heap per idle linked mailbox** (H2 − H1) / %,d | **%.1f KB** |", count, perMailbox / 1024);
                report.line("| of which the simulator's remembered delta rounds (DeltaService$Round: %,d → %,d instances; each"
                        + " also holds ~150 B of list, atomics and map entry) | ≈ %.1f KB per mailbox |", rounds1[0], rounds2[0],
                        (rounds2[0] - rounds1[0]) * (rounds2[1] / (double) Math.max(1, rounds2[0]) + 150) / count / 1024);
                report.line("| CPU while idle, %s right after all were quiet | %s |", window, first.usage.describe());
                report.line("| Graph requests per minute then | %,.0f (%.2f per mailbox) |", first.requestsPerMinute,
                        first.requestsPerMinute / count);
                report.line("| **CPU while idle, %s after settling** | %s |", window, steady.usage.describe());
                report.line("| **test JVM CPU per idle mailbox** (app + simulator) | **%.3f ms/s (%.2f %% of a core for all %,d)** |",
                        steady.usage.cpuSeconds().get("jvm") * 1000 / steady.usage.wallSeconds() / count,
                        steady.usage.cores("jvm") * 100, count);
                report.line("| **Graph requests per minute** after settling | **%,.0f** (%.2f per mailbox; test JVM %.2f ms CPU"
                        + " per request, PostgreSQL %.2f ms) |", steady.requestsPerMinute, steady.requestsPerMinute / count,
                        steady.usage.cpuSeconds().get("jvm") * 1000 / Math.max(1, steady.requests),
                        steady.usage.cpuSeconds().get("postgres") * 1000 / Math.max(1, steady.requests));
                report.line("| test JVM GC in that window | %s |", steady.gc);
                report.line("| initial sync of all %,d (engine start → all quiet) | %s |", count, initial.describe());
                report.line("");
                report.line("Not counted in the heap figure: PostgreSQL (`linked_mailbox`, `sync_mailbox`, `sync_folder` rows),"
                        + " Redis (event streams of each mailbox topic), OpenSearch (documents). H1 already holds the"
                        + " simulator's mailboxes and tokens; H2 − H1 is what the running engine adds, plus whatever the"
                        + " simulator remembered meanwhile (estimated above), plus fixed costs (connection pools, caches)"
                        + " that a per-mailbox division spreads thinly.");
                report.figure("mailboxes", count);
                report.figure("heap.h0", h0);
                report.figure("heap.h1", h1);
                report.figure("heap.h2", h2);
                report.figure("heap.h3", h3);
                report.figure("heap.perMailboxBytes", perMailbox);
                report.figure("toIncrementalSeconds", toIncremental);
                report.figure("toQuietSeconds", toQuiet);
                report.figure("windowAfterQuiet.requestsPerMinute", first.requestsPerMinute);
                report.figure("windowAfterQuiet.cpu", cpuJson(first.usage));
                report.figure("windowSteady.requestsPerMinute", steady.requestsPerMinute);
                report.figure("windowSteady.cpu", cpuJson(steady.usage));
                report.file("idle-histogram-diff.txt", histogramDiff(histogram1, histogram2, 60));
                report.line("");
                report.line("Largest heap differences H2 − H1 by class (live objects; all in idle-histogram-diff.txt):");
                report.line("");
                report.line("```");
                report.line(histogramDiff(histogram1, histogram2, 15).strip());
                report.line("```");
            }
        } finally {
            footer(report);
        }
    }

    private record Window(CpuMeter.Usage usage, long requests, double requestsPerMinute, String gc) {
    }

    private Window idleWindow(CpuMeter cpu, List<String> addresses, Duration window, Jfr jfr) throws InterruptedException {
        String gate = quietGate(cpu);
        System.out.println("[bench idle] window starts: " + gate);
        long r0 = totalRequests(addresses);
        GcCounter gc = new GcCounter();
        CpuMeter.Sample c0 = cpu.sample();
        Thread.sleep(window.toMillis());
        CpuMeter.Usage usage = cpu.sample().since(c0);
        long requests = totalRequests(addresses) - r0;
        String gcText = gc.since();
        if (jfr != null) {
            jfr.stopAndSummarise();
        }
        return new Window(usage, requests, requests / (usage.wallSeconds() / 60), gcText);
    }

    // ================================================================ helpers

    private static void assumeScenario(String name) {
        Set<String> chosen = Arrays.stream(System.getProperty("bench.scenarios", "initial,limits,latency,idle").split(","))
                .map(String::strip).collect(Collectors.toSet());
        Assumptions.assumeTrue(chosen.contains(name), "scenario " + name + " not chosen (bench.scenarios)");
    }

    private static String label() {
        String label = System.getProperty("bench.label", "");
        return label.isBlank() ? "" : "-" + label.strip();
    }

    private void header(Report report, String title) {
        report.line("### %s", title);
        report.line("");
        report.line("Run %s UTC; load average before: %s; test JVM: Java %s, %s, max heap %s, %d CPUs.",
                Instant.now().toString().substring(0, 19), loadAverage(), Runtime.version(), gcNames(),
                mib(Runtime.getRuntime().maxMemory()), Runtime.getRuntime().availableProcessors());
        report.line("Engine settings: page-size %d, folders-in-parallel %d, full-rounds-in-parallel %d, requests-in-parallel %d;"
                        + " poll min %s, inbox-max %s,"
                        + " max %s, folders %s; lease ttl %s, scan %s; notifications %s (poll-max %s); limits %d concurrent,"
                        + " %,d per %s.", config.pageSize(), config.foldersInParallel(), config.fullRoundsInParallel(), config.requestsInParallel(),
                config.poll().min(), config.poll().inboxMax(), config.poll().max(), config.poll().folders(),
                config.lease().ttl(), config.lease().scan(), config.notifications().enabled() ? "on" : "off",
                config.notifications().pollMax(), config.limits().concurrentRequests(), config.limits().requestsPerWindow(),
                config.limits().window());
        report.figure("settings.pageSize", config.pageSize());
        report.figure("settings.notifications", config.notifications().enabled());
        report.figure("settings.pollMin", config.poll().min().toString());
        report.figure("settings.pollInboxMax", config.poll().inboxMax().toString());
        report.figure("settings.pollMax", config.poll().max().toString());
        report.figure("loadBefore", loadAverage());
        report.line("");
    }

    private void footer(Report report) {
        report.line("");
        report.line("Load average after: %s.", loadAverage());
        report.figure("loadAfter", loadAverage());
        report.figure("finished", Instant.now().toString());
    }

    private static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException e) {
            return "?";
        }
    }

    private static String gcNames() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName)
                .collect(Collectors.joining("/"));
    }

    private void waitIncremental(UUID mailbox, Duration timeout, Report report) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!engine.liveState(mailbox).map(s -> "incremental".equals(s.phase())).orElse(false)) {
            if (System.nanoTime() > deadline) {
                threadDump(report, "threads-timeout.txt");
                throw new AssertionError("mailbox " + mailbox + " did not reach the incremental phase within " + timeout
                        + ": " + engine.liveState(mailbox));
            }
            Thread.sleep(10);
        }
    }

    private String folderCounts(String address) {
        return simulator.folders(address).stream().filter(f -> f.totalItemCount() > 0)
                .map(f -> f.displayName() + " " + String.format("%,d", f.totalItemCount()))
                .collect(Collectors.joining(", "));
    }

    private static List<List<MailboxChange>> pages(List<MessageDoc> docs, UUID account, int size) {
        List<List<MailboxChange>> pages = new ArrayList<>();
        List<MailboxChange> page = new ArrayList<>(size);
        for (MessageDoc d : docs) {
            page.add(new MailboxChange.Upserted(new MessageDoc(account, d.address(), d.messageId(), d.folderId(),
                    d.folderName(), d.subject(), d.fromName(), d.fromAddress(), d.to(), d.cc(), d.receivedAt(), d.sentAt(),
                    d.isRead(), d.flagStatus(), d.importance(), d.categories(), d.hasAttachments(), d.bodyPreview(),
                    d.conversationId(), d.internetMessageId(), d.lastModified(), d.syncedAt())));
            if (page.size() == size) {
                pages.add(page);
                page = new ArrayList<>(size);
            }
        }
        if (!page.isEmpty()) {
            pages.add(page);
        }
        return pages;
    }

    private long totalRequests(List<String> addresses) {
        long sum = 0;
        for (String address : addresses) {
            sum += simulator.stats(address).requests();
        }
        return sum;
    }

    /** Unlinks over the API; answers the HTTP status. */
    private static int unlink(LinkApi.User user, UUID mailbox) {
        return LinkApi.as(user).delete("/api/mailboxes/" + mailbox).statusCode();
    }

    /**
     * Unlinks and makes sure the documents are gone: DELETE /api/mailboxes/{id} may answer 500 without deleting them
     * all (its deletion races the engine's own, see bench/README.md), so the benchmark deletes them again until that
     * succeeds. Answers the unlink's HTTP status.
     */
    private int unlinkAndPurge(LinkApi.User user, UUID mailbox) throws InterruptedException {
        int status = unlink(user, mailbox);
        Thread.sleep(1_000);
        purgeAccount(mailbox);
        return status;
    }

    private void purgeAccount(UUID account) {
        queries.deleteAccount(account, Refresh.NONE)
                .onFailure().retry().withBackOff(Duration.ofSeconds(1), Duration.ofSeconds(5)).atMost(10)
                .await().atMost(Duration.ofMinutes(10));
    }

    private static CpuMeter cpuMeter() {
        return new CpuMeter(Long.parseLong(RealServers.config("postroom.db.port")), URI.create(redisUri()).getPort(),
                Long.parseLong(openSearchHost().substring(openSearchHost().lastIndexOf(':') + 1)));
    }

    private static String redisUri() {
        return RealServers.config("quarkus.redis.hosts");
    }

    private static String openSearchHost() {
        return RealServers.config("quarkus.elasticsearch.hosts");
    }

    private static String openSearchText(String path) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://" + openSearchHost() + path)).timeout(Duration.ofSeconds(30)).GET().build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return response.body();
        } catch (IOException e) {
            return "request failed: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** The messages index's indexing, refresh and merge totals. */
    private JsonObject indexStats() {
        try {
            JsonObject all = new JsonObject(openSearchText("/" + indices.messages() + "/_stats/indexing,refresh,merge,flush,search"));
            return all.getJsonObject("_all").getJsonObject("primaries");
        } catch (RuntimeException e) {
            return new JsonObject();
        }
    }

    private static String indexDelta(JsonObject before, JsonObject after) {
        try {
            long docs = after.getJsonObject("indexing").getLong("index_total") - before.getJsonObject("indexing").getLong("index_total");
            long indexMs = after.getJsonObject("indexing").getLong("index_time_in_millis") - before.getJsonObject("indexing").getLong("index_time_in_millis");
            long refreshMs = after.getJsonObject("refresh").getLong("total_time_in_millis") - before.getJsonObject("refresh").getLong("total_time_in_millis");
            long mergeMs = after.getJsonObject("merges").getLong("total_time_in_millis") - before.getJsonObject("merges").getLong("total_time_in_millis");
            long refreshes = after.getJsonObject("refresh").getLong("total") - before.getJsonObject("refresh").getLong("total");
            long queriesRun = after.getJsonObject("search").getLong("query_total") - before.getJsonObject("search").getLong("query_total");
            return String.format("%,d index ops, %.1f s indexing, %,d refreshes (%.1f s), %.1f s merging, %,d shard queries",
                    docs, indexMs / 1e3, refreshes, refreshMs / 1e3, mergeMs / 1e3, queriesRun);
        } catch (RuntimeException e) {
            return "(index stats unavailable: " + e + ")";
        }
    }

    /** CPU milliseconds per 1,000 messages of each group but the machine's, e.g. {@code jvm 45 ms, opensearch 60 ms}. */
    private static String perThousand(CpuMeter.Usage usage, long messages) {
        return usage.cpuSeconds().entrySet().stream().filter(e -> !e.getKey().equals("machine"))
                .map(e -> String.format("%s %.0f ms", e.getKey(), e.getValue() * 1e6 / Math.max(1, messages)))
                .collect(Collectors.joining(", "));
    }

    private static JsonObject perThousandJson(CpuMeter.Usage usage, long messages) {
        JsonObject json = new JsonObject();
        usage.cpuSeconds().forEach((group, seconds) -> json.put(group, seconds * 1e6 / Math.max(1, messages)));
        return json;
    }

    private static JsonObject cpuJson(CpuMeter.Usage usage) {
        JsonObject json = new JsonObject().put("wallSeconds", usage.wallSeconds());
        usage.cpuSeconds().forEach(json::put);
        return json;
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(300);
            best = Math.min(best, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return best;
    }

    /** Live objects by class: instances and bytes (the JVM's GC.class_histogram, which collects first). */
    private static Map<String, long[]> histogram() {
        try {
            String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[]{new String[0]}, new String[]{String[].class.getName()});
            Map<String, long[]> classes = new HashMap<>();
            for (String line : text.split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 4 && f[0].endsWith(":")) {
                    classes.put(f[3], new long[]{Long.parseLong(f[1]), Long.parseLong(f[2])});
                }
            }
            return classes;
        } catch (Exception e) {
            return Map.of();
        }
    }

    private static String histogramDiff(Map<String, long[]> before, Map<String, long[]> after, int top) {
        Set<String> names = new HashSet<>(before.keySet());
        names.addAll(after.keySet());
        List<String> sorted = new ArrayList<>(names);
        sorted.sort(Comparator.comparingLong((String n) -> -Math.abs(after.getOrDefault(n, new long[2])[1]
                - before.getOrDefault(n, new long[2])[1])));
        StringBuilder text = new StringBuilder(String.format("%14s %12s  %s%n", "bytes", "instances", "class"));
        for (String name : sorted.subList(0, Math.min(top, sorted.size()))) {
            long[] a = after.getOrDefault(name, new long[2]);
            long[] b = before.getOrDefault(name, new long[2]);
            text.append(String.format("%+,14d %+,12d  %s%n", a[1] - b[1], a[0] - b[0], name));
        }
        return text.toString();
    }

    private static void threadDump(Report report, String file) {
        StringBuilder dump = new StringBuilder();
        for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            dump.append(info.toString());
        }
        report.file(file, dump.toString());
    }

    private static String mib(long bytes) {
        return String.format("%,.1f MiB", bytes / 1048576.0);
    }

    private static String ms(double millis) {
        return Double.isNaN(millis) ? "-" : millis >= 10_000 ? String.format("%.1f s", millis / 1000) : String.format("%.0f ms", millis);
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static int intProperty(String name, int defaultValue) {
        return Integer.parseInt(System.getProperty(name, String.valueOf(defaultValue)).replace("_", "").strip());
    }

    private static long longProperty(String name, long defaultValue) {
        return Long.parseLong(System.getProperty(name, String.valueOf(defaultValue)).replace("_", "").strip());
    }

    private static List<Integer> intList(String name, String defaultValue) {
        return Arrays.stream(System.getProperty(name, defaultValue).split(",")).map(String::strip)
                .filter(s -> !s.isEmpty()).map(Integer::parseInt).toList();
    }

    /** Garbage collections of this JVM since it was made. */
    private static final class GcCounter {
        private final long count;
        private final long millis;

        GcCounter() {
            long c = 0, m = 0;
            for (GarbageCollectorMXBean bean : ManagementFactory.getGarbageCollectorMXBeans()) {
                c += Math.max(0, bean.getCollectionCount());
                m += Math.max(0, bean.getCollectionTime());
            }
            count = c;
            millis = m;
        }

        String since() {
            GcCounter now = new GcCounter();
            return String.format("%d collections, %.1f s", now.count - count, (now.millis - millis) / 1e3);
        }
    }

    /** A JFR recording ("profile" settings) of this JVM, if {@code bench.jfr} names the scenario; with a hot-methods view. */
    private static final class Jfr implements AutoCloseable {
        private final Recording recording;
        private final Report report;
        private final String name;
        private boolean stopped;

        private Jfr(Recording recording, Report report, String name) {
            this.recording = recording;
            this.report = report;
            this.name = name;
        }

        static Jfr none() {
            return new Jfr(null, null, null);
        }

        static Jfr startIf(String scenario, Report report, String name) throws Exception {
            Set<String> wanted = Arrays.stream(System.getProperty("bench.jfr", "initial,idle").split(","))
                    .map(String::strip).collect(Collectors.toSet());
            if (!wanted.contains(scenario)) {
                return new Jfr(null, report, name);
            }
            Recording recording = new Recording(Configuration.getConfiguration("profile"));
            recording.start();
            return new Jfr(recording, report, name);
        }

        boolean active() {
            return recording != null;
        }

        void stopAndSummarise() {
            if (recording == null || stopped) {
                return;
            }
            stopped = true;
            try {
                Path file = report.path(name + ".jfr");
                recording.stop();
                recording.dump(file);
                String jfr = Path.of(System.getProperty("java.home"), "bin", "jfr").toString();
                StringBuilder text = new StringBuilder();
                for (String view : List.of("hot-methods", "cpu-load-samples", "gc", "allocation-by-class")) {
                    Process process = new ProcessBuilder(jfr, "view", "--width", "200", view, file.toString())
                            .redirectErrorStream(true).start();
                    text.append(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).append("\n");
                    process.waitFor();
                }
                report.file(name + "-jfr-views.txt", text.toString());
            } catch (Exception e) {
                report.file(name + "-jfr-views.txt", "JFR summary failed: " + e);
            }
        }

        @Override
        public void close() {
            stopAndSummarise();
            if (recording != null) {
                recording.close();
            }
        }
    }
}

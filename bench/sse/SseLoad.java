import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Load client for bench/sse.sh: holds N SSE connections to GET /events/deliveries, samples the app's memory at each
 * step, then sends emails and checks that every connection received every event. Run with
 * {@code java SseLoad.java key=value ...} (JDK 21+; single file, no dependencies). See bench/README.md.
 */
public class SseLoad {

    static final Pattern EMAIL_ID = Pattern.compile("\"id\"\\s*:\\s*\"([0-9a-f-]{36})\"");
    static final Pattern STATUS = Pattern.compile("\"status\"\\s*:\\s*\"([a-z]+)\"");
    static final Pattern HEAP_USED = Pattern.compile("(?:total|committed) (\\d+)K, used (\\d+)K");

    static String base, key, jcmd;
    static long pid;
    static Path out;
    static final HttpClient sseHttp = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    static final HttpClient postHttp = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    static final long T0 = System.nanoTime();
    static final StringBuilder summary = new StringBuilder();
    static final List<Long> postLatencies = Collections.synchronizedList(new ArrayList<>());

    /** One received event: SSE id, email id, status, arrival (ns since T0). */
    record Received(String sseId, String emailId, String status, long atNs) {
    }

    static final class Conn {
        final int n;
        final List<Received> events = new ArrayList<>();
        volatile boolean live, ended;
        volatile String endReason;
        volatile int status;
        volatile long endedAtNs;
        final AtomicInteger heartbeats = new AtomicInteger();
        volatile InputStream body;
        int duplicates, outOfOrder;
        String lastId;

        Conn(int n) {
            this.n = n;
        }

        synchronized void add(Received r) {
            if (lastId != null) {
                int c = compareIds(r.sseId, lastId);
                if (c == 0) duplicates++;
                else if (c < 0) outOfOrder++;
            }
            lastId = r.sseId;
            events.add(r);
        }

        synchronized List<Received> since(long fromNs) {
            return events.stream().filter(e -> e.atNs >= fromNs).toList();
        }
    }

    static int compareIds(String a, String b) {
        String[] x = a.split("-"), y = b.split("-");
        int c = Long.compare(Long.parseLong(x[0]), Long.parseLong(y[0]));
        return c != 0 ? c : Long.compare(Long.parseLong(x[1]), Long.parseLong(y[1]));
    }

    static final List<Conn> conns = new CopyOnWriteArrayList<>();

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        base = a.get("base");
        key = a.get("key");
        pid = Long.parseLong(a.get("pid"));
        out = Path.of(a.get("out"));
        jcmd = a.getOrDefault("jcmd", "jcmd");
        int[] steps = Arrays.stream(a.getOrDefault("steps", "0,250,500,1000").split(",")).mapToInt(Integer::parseInt).toArray();
        int burst = Integer.parseInt(a.getOrDefault("burst", "200"));
        int burstSeconds = Integer.parseInt(a.getOrDefault("burstSeconds", "20"));
        int holdSeconds = Integer.parseInt(a.getOrDefault("holdSeconds", "180"));
        int sampleSeconds = Integer.parseInt(a.getOrDefault("sampleSeconds", "15"));
        double trickleSeconds = Double.parseDouble(a.getOrDefault("trickleSeconds", "3"));
        int settleSeconds = Integer.parseInt(a.getOrDefault("settleSeconds", "5"));
        Files.createDirectories(out);
        Files.writeString(out.resolve("memory.csv"),
                "utc,elapsed_s,phase,open_conns,rss_kb,rss_hwm_kb,heap_used_after_gc_kb,heap_committed_kb,threads,fds\n");

        log("app pid %d, base %s", pid, base);
        // Steps: open connections, settle, sample.
        for (int step : steps) {
            openUpTo(step);
            Thread.sleep(settleSeconds * 1000L);
            sample("step-" + step);
        }
        int target = steps[steps.length - 1];

        // Burst: every connection should get every event of every email.
        log("burst: %d emails over %d s to %d connections", burst, burstSeconds, openCount());
        postLatencies.clear();
        cpuMark();
        long burstFrom = System.nanoTime() - T0;
        Map<String, Long> postedAt = new ConcurrentHashMap<>();
        int failedPosts = send(burst, burstSeconds * 1000.0 / burst, "burst", postedAt);
        waitForSent(postedAt.keySet(), Duration.ofSeconds(90));
        long burstTo = System.nanoTime() - T0;
        report("burst", burstFrom, burstTo, postedAt, failedPosts);
        sample("after-burst");

        // Hold: a trickle of emails, memory every sampleSeconds.
        log("hold: %d s with %d connections, one email every %.1f s, memory every %d s", holdSeconds, openCount(),
                trickleSeconds, sampleSeconds);
        postLatencies.clear();
        cpuMark();
        long holdFrom = System.nanoTime() - T0;
        Map<String, Long> holdPosted = new ConcurrentHashMap<>();
        AtomicInteger holdFailed = new AtomicInteger();
        long holdEnd = System.nanoTime() + holdSeconds * 1_000_000_000L;
        Thread trickle = Thread.ofVirtual().start(() -> {
            int i = 0;
            while (System.nanoTime() < holdEnd - 5_000_000_000L) {
                holdFailed.addAndGet(send(1, 0, "hold-" + i++, holdPosted));
                try {
                    Thread.sleep((long) (trickleSeconds * 1000));
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        int k = 0;
        while (System.nanoTime() < holdEnd) {
            Thread.sleep(Math.min(sampleSeconds * 1000L, Math.max(0, (holdEnd - System.nanoTime()) / 1_000_000)));
            sample("hold-" + (++k * sampleSeconds) + "s");
        }
        trickle.join();
        waitForSent(holdPosted.keySet(), Duration.ofSeconds(30));
        report("hold", holdFrom, System.nanoTime() - T0, holdPosted, holdFailed.get());

        // Close everything, then see what memory goes back to.
        for (Conn c : conns) {
            try {
                if (c.body != null) c.body.close();
            } catch (IOException ignored) {
            }
        }
        Thread.sleep(5000);
        sample("closed");
        Files.writeString(out.resolve("summary.txt"), summary.toString());
        log("done; %d of %d connections were still open at the end", target - endedBeforeClose, target);
        System.exit(0);
    }

    static int endedBeforeClose;

    static int openCount() {
        return (int) conns.stream().filter(c -> c.live && !c.ended).count();
    }

    static void openUpTo(int n) throws Exception {
        int before = conns.size();
        if (n <= before) return;
        long started = System.nanoTime();
        CountDownLatch ready = new CountDownLatch(n - before);
        Semaphore opening = new Semaphore(50);
        for (int i = before; i < n; i++) {
            Conn c = new Conn(i);
            conns.add(c);
            opening.acquire();
            Thread.ofVirtual().start(() -> run(c, ready, opening));
        }
        boolean all = ready.await(120, TimeUnit.SECONDS);
        long failed = conns.stream().filter(c -> !c.live).count();
        log("opened %d connections in %.1f s (%s; %d not live)", n - before, (System.nanoTime() - started) / 1e9,
                all ? "all answered" : "TIMEOUT", failed);
        if (failed > 0) {
            Map<String, Long> reasons = new TreeMap<>();
            conns.stream().filter(c -> !c.live).forEach(c -> reasons.merge(c.status + " " + c.endReason, 1L, Long::sum));
            log("  not live: %s", reasons);
        }
    }

    static void run(Conn c, CountDownLatch ready, Semaphore opening) {
        boolean counted = false;
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/events/deliveries"))
                    .header("Authorization", "Bearer " + key).header("Accept", "text/event-stream").GET().build();
            HttpResponse<InputStream> resp = sseHttp.send(req, HttpResponse.BodyHandlers.ofInputStream());
            c.status = resp.statusCode();
            c.body = resp.body();
            if (c.status != 200) {
                c.endReason = "status " + c.status;
                resp.body().close();
                return;
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8));
            String line, id = null, data = null;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) {
                    if (data != null && id != null) {
                        long at = System.nanoTime() - T0;
                        Matcher m = EMAIL_ID.matcher(data), s = STATUS.matcher(data);
                        c.add(new Received(id, m.find() ? m.group(1) : null, s.find() ? s.group(1) : null, at));
                    }
                    id = null;
                    data = null;
                } else if (line.startsWith(":")) {
                    if (line.contains("live") && !c.live) {
                        c.live = true;
                        opening.release();
                        ready.countDown();
                        counted = true;
                    } else if (line.contains("heartbeat")) {
                        c.heartbeats.incrementAndGet();
                    }
                } else if (line.startsWith("id:")) {
                    id = line.substring(3).trim();
                } else if (line.startsWith("data:")) {
                    data = line.substring(5).trim();
                }
            }
            c.endReason = "server ended the stream";
        } catch (Exception e) {
            if (c.endReason == null) c.endReason = e.getClass().getSimpleName() + ": " + e.getMessage();
        } finally {
            c.ended = true;
            c.endedAtNs = System.nanoTime() - T0;
            if (!counted) {
                opening.release();
                ready.countDown();
            }
        }
    }

    /** Sends n emails, spaced by gapMs; records the POST start time of each accepted email by its id. */
    static int send(int n, double gapMs, String tag, Map<String, Long> postedAt) {
        int failed = 0;
        long start = System.nanoTime();
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        AtomicInteger failures = new AtomicInteger();
        for (int i = 0; i < n; i++) {
            long due = start + (long) (i * gapMs * 1_000_000);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                try {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                } catch (InterruptedException e) {
                    break;
                }
            }
            String body = "{\"to\":\"sse-bench@example.org\",\"subject\":\"sse bench " + tag + " " + i
                    + "\",\"text\":\"SSE benchmark\"}";
            HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/send")).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            long at = System.nanoTime() - T0;
            pending.add(postHttp.sendAsync(req, HttpResponse.BodyHandlers.ofString()).handle((resp, err) -> {
                if (err != null || resp.statusCode() / 100 != 2) {
                    failures.incrementAndGet();
                    log("POST /send failed: %s", err != null ? err : resp.statusCode() + " " + resp.body());
                    return null;
                }
                postLatencies.add(System.nanoTime() - T0 - at);
                Matcher m = EMAIL_ID.matcher(resp.body());
                if (m.find()) postedAt.put(m.group(1), at);
                return null;
            }));
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
        return failed + failures.get();
    }

    /** Waits until every live connection has seen a terminal event for every email, or the timeout. */
    static void waitForSent(Set<String> emailIds, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (Conn c : conns) {
                if (c.ended || !c.live) continue;
                Set<String> done = new HashSet<>();
                synchronized (c) {
                    for (Received r : c.events) {
                        if ("sent".equals(r.status) || "failed".equals(r.status)) done.add(r.emailId);
                    }
                }
                if (!done.containsAll(emailIds)) {
                    all = false;
                    break;
                }
            }
            if (all) return;
            Thread.sleep(500);
        }
        log("WARNING: not every connection saw every email finish within %s", timeout);
    }

    static void report(String phase, long fromNs, long toNs, Map<String, Long> postedAt, int failedPosts) {
        List<Conn> measured = conns.stream().filter(c -> c.live).toList();
        // The union of events (by SSE id) seen by any connection in the phase, for the emails of the phase.
        Map<String, Received> union = new HashMap<>();
        Map<Conn, Set<String>> seen = new HashMap<>();
        List<Long> firstDelays = new ArrayList<>(), sentDelays = new ArrayList<>();
        for (Conn c : measured) {
            Set<String> ids = new HashSet<>();
            Map<String, Long> first = new HashMap<>();
            for (Received r : c.since(fromNs)) {
                if (r.emailId == null || !postedAt.containsKey(r.emailId)) continue;
                ids.add(r.sseId);
                union.putIfAbsent(r.sseId, r);
                first.merge(r.emailId, r.atNs, Math::min);
                if ("sent".equals(r.status)) sentDelays.add(r.atNs - postedAt.get(r.emailId));
            }
            first.forEach((email, at) -> firstDelays.add(at - postedAt.get(email)));
            seen.put(c, ids);
        }
        IntSummaryStatistics perConn = seen.values().stream().mapToInt(Set::size).summaryStatistics();
        Map<String, Long> byStatus = new TreeMap<>();
        union.values().forEach(r -> byStatus.merge(String.valueOf(r.status), 1L, Long::sum));
        long incomplete = seen.values().stream().filter(s -> s.size() < union.size()).count();
        long ended = conns.stream().filter(c -> c.ended).count();
        int dups = 0, ooo = 0;
        for (Conn c : conns) {
            synchronized (c) {
                dups += c.duplicates;
                ooo += c.outOfOrder;
            }
        }
        Map<String, Long> endReasons = new TreeMap<>();
        conns.stream().filter(c -> c.ended).forEach(c -> endReasons.merge(String.valueOf(c.endReason), 1L, Long::sum));
        long sentEmails = union.values().stream().filter(r -> "sent".equals(r.status)).count();
        StringBuilder s = new StringBuilder();
        s.append(String.format("== %s (%.0f s) ==%n", phase, (toNs - fromNs) / 1e9));
        s.append(String.format("emails accepted %d, POST failures %d, emails seen 'sent' %d%n", postedAt.size(),
                failedPosts, sentEmails));
        s.append(String.format("distinct events of these emails (union over connections) %d, by status %s%n",
                union.size(), byStatus));
        s.append(String.format("connections measured %d; events received per connection min %d / max %d; "
                + "connections missing at least one event %d%n", measured.size(), perConn.getMin(), perConn.getMax(),
                incomplete));
        s.append(String.format("connections ended so far %d %s; duplicate events %d; out-of-order events %d%n",
                ended, endReasons, dups, ooo));
        List<Long> posts;
        synchronized (postLatencies) {
            posts = new ArrayList<>(postLatencies);
        }
        s.append(String.format("POST /send latency: %s%n", pct(posts)));
        s.append(String.format("CPU in the phase: app %.1f s, this client %.1f s, over %.1f s wall%n",
                (appCpuMs() - appCpu0) / 1e3, (clientCpuMs() - clientCpu0) / 1e3, (System.nanoTime() - T0 - fromNs) / 1e9));
        s.append(String.format("delay POST start -> first event of the email, per connection x email: %s%n",
                pct(firstDelays)));
        s.append(String.format("delay POST start -> 'sent' event, per connection x email: %s%n", pct(sentDelays)));
        summary.append(s);
        System.out.print(s);
        System.out.flush();
        if (phase.equals("hold")) endedBeforeClose = (int) ended;
    }

    static long appCpu0, clientCpu0;

    static void cpuMark() {
        appCpu0 = appCpuMs();
        clientCpu0 = clientCpuMs();
    }

    static long clientCpuMs() {
        return ProcessHandle.current().info().totalCpuDuration().map(Duration::toMillis).orElse(-1L);
    }

    /** utime + stime of the app from /proc/<pid>/stat, in ms (assumes 100 ticks per second). */
    static long appCpuMs() {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
        } catch (IOException e) {
            return -1;
        }
    }

    static String pct(List<Long> ns) {
        if (ns.isEmpty()) return "n=0";
        long[] v = ns.stream().mapToLong(Long::longValue).sorted().toArray();
        return String.format("n=%d p50 %.0f ms, p95 %.0f ms, p99 %.0f ms, max %.0f ms", v.length,
                v[(int) (v.length * 0.50)] / 1e6, v[Math.min(v.length - 1, (int) (v.length * 0.95))] / 1e6,
                v[Math.min(v.length - 1, (int) (v.length * 0.99))] / 1e6, v[v.length - 1] / 1e6);
    }

    static void sample(String phase) throws Exception {
        String gc = run(jcmd, String.valueOf(pid), "GC.run");
        String heap = run(jcmd, String.valueOf(pid), "GC.heap_info");
        Files.writeString(out.resolve("heap_info-" + phase + ".txt"), heap);
        Matcher m = HEAP_USED.matcher(heap);
        String used = "", total = "";
        if (m.find()) {
            total = m.group(1);
            used = m.group(2);
        }
        Map<String, String> status = new HashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            int colon = line.indexOf(':');
            if (colon > 0) status.put(line.substring(0, colon), line.substring(colon + 1).trim().replace(" kB", ""));
        }
        String[] fds = new java.io.File("/proc/" + pid + "/fd").list();
        String row = String.join(",", Instant.now().toString(), String.format("%.1f", (System.nanoTime() - T0) / 1e9),
                phase, String.valueOf(openCount()), status.get("VmRSS"), status.get("VmHWM"), used, total,
                status.get("Threads"), String.valueOf(fds == null ? -1 : fds.length));
        Files.writeString(out.resolve("memory.csv"), row + "\n", java.nio.file.StandardOpenOption.APPEND);
        log("memory %s: open %d, RSS %s kB, heap used after GC %s kB (committed %s), threads %s, fds %d%s", phase,
                openCount(), status.get("VmRSS"), used, total, status.get("Threads"), fds == null ? -1 : fds.length,
                gc.contains("Command executed successfully") || gc.isBlank() ? "" : " (GC.run: " + gc.strip() + ")");
    }

    static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return text;
    }

    static synchronized void log(String format, Object... args) {
        System.out.printf("%s [%6.1f s] %s%n", Instant.now().toString().substring(11, 19), (System.nanoTime() - T0) / 1e9,
                String.format(format, args));
        System.out.flush();
    }
}

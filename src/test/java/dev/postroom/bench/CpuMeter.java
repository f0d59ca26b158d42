package dev.postroom.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * CPU time by process group, read from {@code /proc}: this JVM (the app under test <em>and</em> the Outlook simulator,
 * which serves the engine's requests in the same process), the OpenSearch node, PostgreSQL (postmaster and its
 * backends) and Redis of this run, and the whole machine. {@code foreign} is the machine's busy time minus those
 * groups: other people's builds on this shared VM, the Maven JVM, and anything else; a large value flags a noisy
 * measurement.
 */
final class CpuMeter {

    static final List<String> GROUPS = List.of("jvm", "opensearch", "postgres", "redis", "foreign", "machine");
    private static final long NANOS_PER_TICK = 10_000_000L; // USER_HZ = 100 on Linux

    private final long postgresPort;
    private final long redisPort;
    private final long openSearchPort;

    CpuMeter(long postgresPort, long redisPort, long openSearchPort) {
        this.postgresPort = postgresPort;
        this.redisPort = redisPort;
        this.openSearchPort = openSearchPort;
    }

    /** A reading: CPU nanoseconds per group since each process started, and the wall clock. */
    record Sample(long wallNanos, Map<String, Long> cpuNanos) {

        /** CPU seconds per group between {@code earlier} and this sample, and the wall seconds. */
        Usage since(Sample earlier) {
            Map<String, Double> seconds = new LinkedHashMap<>();
            for (String group : GROUPS) {
                seconds.put(group, (cpuNanos.getOrDefault(group, 0L) - earlier.cpuNanos.getOrDefault(group, 0L)) / 1e9);
            }
            return new Usage((wallNanos - earlier.wallNanos) / 1e9, seconds);
        }
    }

    /** CPU seconds per group over {@code wallSeconds}. */
    record Usage(double wallSeconds, Map<String, Double> cpuSeconds) {

        double cores(String group) {
            return wallSeconds <= 0 ? 0 : cpuSeconds.getOrDefault(group, 0.0) / wallSeconds;
        }

        /** e.g. {@code jvm 1.23 (0.98 cores), opensearch ...}. */
        String describe() {
            StringBuilder text = new StringBuilder();
            for (String group : GROUPS) {
                if (!text.isEmpty()) {
                    text.append(", ");
                }
                text.append(group).append(' ').append(String.format("%.1f s (%.2f cores)", cpuSeconds.get(group), cores(group)));
            }
            return text.toString();
        }

        /** A markdown table row: wall, then each group's CPU seconds and cores. */
        String row(String label) {
            StringBuilder row = new StringBuilder("| ").append(label).append(String.format(" | %.1f", wallSeconds));
            for (String group : GROUPS) {
                row.append(String.format(" | %.1f (%.2f)", cpuSeconds.get(group), cores(group)));
            }
            return row.append(" |").toString();
        }

        static String header() {
            return "| phase | wall s | " + String.join(" | ", GROUPS.stream().map(g -> g + " CPU-s (cores)").toList()) + " |\n"
                    + "|---|---|" + "---|".repeat(GROUPS.size());
        }
    }

    Sample sample() {
        long wall = System.nanoTime();
        Map<String, Long> cpu = new LinkedHashMap<>();
        ProcessHandle self = ProcessHandle.current();
        long jvm = cpuOf(self);
        long openSearch = 0, redis = 0, postgres = 0;
        List<ProcessHandle> all = ProcessHandle.allProcesses().toList();
        for (ProcessHandle process : all) {
            String line = commandLine(process.pid());
            if (line.isEmpty()) {
                continue;
            }
            if (line.contains("OpenSearchNode") && line.contains(" " + openSearchPort + " ")) {
                openSearch += cpuOf(process);
            } else if (line.contains("redis-server") && line.contains(":" + redisPort)) {
                redis += cpuOf(process);
            } else if (isOurPostgres(process, line)) {
                postgres += cpuOf(process);
            }
        }
        cpu.put("jvm", jvm);
        cpu.put("opensearch", openSearch);
        cpu.put("postgres", postgres);
        cpu.put("redis", redis);
        long machine = machineBusyNanos();
        cpu.put("machine", machine);
        cpu.put("foreign", machine - jvm - openSearch - postgres - redis);
        return new Sample(wall, cpu);
    }

    /** What the groups are right now (pids and command lines), for the record. */
    String describeProcesses() {
        StringBuilder text = new StringBuilder();
        text.append("jvm ").append(ProcessHandle.current().pid()).append('\n');
        for (ProcessHandle process : ProcessHandle.allProcesses().toList()) {
            String line = commandLine(process.pid());
            String group = line.contains("OpenSearchNode") && line.contains(" " + openSearchPort + " ") ? "opensearch"
                    : line.contains("redis-server") && line.contains(":" + redisPort) ? "redis"
                    : isOurPostgres(process, line) ? "postgres" : null;
            if (group != null) {
                text.append(group).append(' ').append(process.pid()).append(' ')
                        .append(line.length() > 160 ? line.substring(0, 160) + "…" : line).append('\n');
            }
        }
        return text.toString();
    }

    /** The postmaster started with our port, and its backends (whose parent it is). */
    private boolean isOurPostgres(ProcessHandle process, String line) {
        if (!line.contains("postgres")) {
            return false;
        }
        if (isPostmaster(line)) {
            return true;
        }
        Optional<ProcessHandle> parent = process.parent();
        return parent.isPresent() && isPostmaster(commandLine(parent.get().pid()));
    }

    private boolean isPostmaster(String line) {
        return line.contains("postgres") && (line.contains("-p " + postgresPort) || line.contains("port=" + postgresPort)
                || line.contains("-p" + postgresPort + " "));
    }

    private static long cpuOf(ProcessHandle process) {
        // /proc/<pid>/stat: utime and stime are fields 14 and 15 (after the command in parentheses).
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * NANOS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static String commandLine(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", String.valueOf(pid), "cmdline"));
            for (int i = 0; i < raw.length; i++) {
                if (raw[i] == 0) {
                    raw[i] = ' ';
                }
            }
            return new String(raw).strip() + " ";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static long machineBusyNanos() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/stat"))) {
            String cpu = lines.filter(l -> l.startsWith("cpu ")).findFirst().orElseThrow();
            String[] f = cpu.trim().split("\\s+");
            List<Long> v = new ArrayList<>();
            for (int i = 1; i < f.length; i++) {
                v.add(Long.parseLong(f[i]));
            }
            // user nice system idle iowait irq softirq steal guest guest_nice (guest is already in user)
            long busy = v.get(0) + v.get(1) + v.get(2) + v.get(5) + v.get(6) + (v.size() > 7 ? v.get(7) : 0);
            return busy * NANOS_PER_TICK;
        } catch (IOException e) {
            return 0;
        }
    }
}

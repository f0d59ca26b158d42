package dev.postroom.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** PostgreSQL 17 from Maven Central (zonky's embedded binaries), in a throw-away data directory. */
public final class PostgresServer implements EmbeddedServer {

    public static final String DATABASE = "postgres";
    public static final String USER = "postgres";

    private final int port = FreePort.find();
    private EmbeddedPostgres postgres;
    private Path dataDirectory;
    private Path binDirectory;

    @Override
    public String name() {
        return "PostgreSQL";
    }

    @Override
    public void start() throws IOException {
        dataDirectory = Files.createTempDirectory("postroom-pg-");
        postgres = EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(dataDirectory)
                .setCleanDataDirectory(true)
                .setRegisterShutdownHook(false)
                // Durability is not what these throw-away databases are for; speed is.
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .setServerConfig("full_page_writes", "off")
                .setServerConfig("max_connections", "300")
                .start();
        // pg_ctl detaches the postmaster from us: hand its PID to the reaper explicitly.
        long pid = postmasterPid(dataDirectory);
        ProcessReaper.watch(pid);
        binDirectory = Path.of(ProcessHandle.of(pid).flatMap(p -> p.info().command())
                .orElseThrow(() -> new IllegalStateException("cannot see the postmaster's executable"))).getParent();
    }

    @Override
    public void stop() {
        if (postgres != null) {
            try {
                postgres.close();
            } catch (IOException | RuntimeException e) {
                // Already gone (e.g. Ctrl-C reached it first); the reaper covers the rest.
            }
        }
    }

    public int port() {
        return port;
    }

    private static long postmasterPid(Path dataDirectory) throws IOException {
        return Long.parseLong(Files.readAllLines(dataDirectory.resolve("postmaster.pid")).getFirst().trim());
    }

    /**
     * Stops the test run's PostgreSQL (fast shutdown: connections are cut), so a test can see how the app behaves
     * without it. Works from any class loader: it only needs the run's configuration.
     */
    public static void stopTestServer() throws Exception {
        pgCtl("stop", "-m", "fast");
    }

    /** Starts the test run's PostgreSQL again on its port, with its data. */
    public static void startTestServer() throws Exception {
        pgCtl("start", "-o", "-p " + RealServers.config("postroom.db.port") + " -F -c synchronous_commit=off",
                "-l", Path.of(RealServers.config("postgres.data-dir")).resolveSibling("postroom-pg-restart.log").toString());
        ProcessReaper.watch(postmasterPid(Path.of(RealServers.config("postgres.data-dir"))));
    }

    private static void pgCtl(String... args) throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(
                Path.of(RealServers.config("postgres.bin-dir"), "pg_ctl").toString(),
                "-D", RealServers.config("postgres.data-dir"), "-w", "-t", "30"));
        command.addAll(java.util.List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IllegalStateException("pg_ctl " + args[0] + " failed: " + output);
        }
    }

    @Override
    public Map<String, String> config() {
        return Map.of(
                "postroom.db.host", "127.0.0.1",
                "postroom.db.port", String.valueOf(port),
                "postroom.db.name", DATABASE,
                "postroom.db.user", USER,
                "postroom.db.password", "postgres",
                // For tests that stop and start the server (see stopTestServer).
                "postgres.data-dir", dataDirectory.toString(),
                "postgres.bin-dir", binDirectory.toString());
    }
}

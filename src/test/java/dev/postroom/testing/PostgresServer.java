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
     * Stops the test run's PostgreSQL with a fast shutdown (connections are cut), so a test can see how the app
     * behaves without it. Works from any class loader: it only needs the run's configuration. (pg_ctl refuses to
     * run as root, which CI is; the postmaster is signalled directly.)
     */
    public static void stopTestServer() throws Exception {
        long pid = postmasterPid(Path.of(RealServers.config("postgres.data-dir")));
        new ProcessBuilder("kill", "-INT", String.valueOf(pid)).start().waitFor();
        ProcessHandle.of(pid).ifPresent(handle -> handle.onExit().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join());
    }

    /** Starts the test run's PostgreSQL again on its port, with its data, and waits until it accepts connections. */
    public static void startTestServer() throws Exception {
        Path data = Path.of(RealServers.config("postgres.data-dir"));
        int port = Integer.parseInt(RealServers.config("postroom.db.port"));
        Process postgres = new ProcessBuilder(Path.of(RealServers.config("postgres.bin-dir"), "postgres").toString(),
                "-D", data.toString(), "-p", String.valueOf(port), "-F", "-c", "synchronous_commit=off",
                "-c", "max_connections=300")
                .redirectErrorStream(true)
                .redirectOutput(data.resolveSibling(data.getFileName() + "-restart.log").toFile())
                .start();
        ProcessReaper.watch(postgres.pid());
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        while (!FreePort.isListening(port)) {
            if (!postgres.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("PostgreSQL did not come back on port " + port);
            }
            Thread.sleep(50);
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

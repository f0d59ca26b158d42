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

    @Override
    public String name() {
        return "PostgreSQL";
    }

    @Override
    public void start() throws IOException {
        Path dataDirectory = Files.createTempDirectory("postroom-pg-");
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
     * Takes the test run's database away from the app: new connections are refused and open ones are cut, as when
     * PostgreSQL goes down. Returns the admin connection that gives it back ({@link #restoreDatabase}). Works from
     * any class loader: it only needs the run's configuration. (Stopping the server itself would need pg_ctl, which
     * refuses to run as root, as CI does.)
     */
    public static java.sql.Connection takeDatabaseAway() throws java.sql.SQLException {
        java.sql.Connection admin = java.sql.DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + RealServers.config("postroom.db.port") + "/template1", USER, "");
        try (java.sql.Statement statement = admin.createStatement()) {
            statement.execute("ALTER DATABASE " + DATABASE + " WITH ALLOW_CONNECTIONS false");
            statement.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + DATABASE
                    + "' AND pid <> pg_backend_pid()");
        }
        return admin;
    }

    public static void restoreDatabase(java.sql.Connection admin) throws java.sql.SQLException {
        try (admin; java.sql.Statement statement = admin.createStatement()) {
            statement.execute("ALTER DATABASE " + DATABASE + " WITH ALLOW_CONNECTIONS true");
        }
    }

    @Override
    public Map<String, String> config() {
        return Map.of(
                "postroom.db.host", "127.0.0.1",
                "postroom.db.port", String.valueOf(port),
                "postroom.db.name", DATABASE,
                "postroom.db.user", USER,
                "postroom.db.password", "postgres");
    }
}

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
        String pidLine = Files.readAllLines(dataDirectory.resolve("postmaster.pid")).getFirst().trim();
        ProcessReaper.watch(Long.parseLong(pidLine));
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

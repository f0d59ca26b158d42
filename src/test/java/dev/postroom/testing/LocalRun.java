package dev.postroom.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The local run ({@code ./mvnw -Plocal}): Postroom with embedded PostgreSQL, Redis, OpenSearch and a GreenMail mail
 * catcher, started by the same launchers as the tests, and the Outlook simulator. No Docker, no configuration.
 *
 * <p>A server whose address is already given in the environment is not started: {@code POSTROOM_DB_HOST},
 * {@code QUARKUS_REDIS_HOSTS}, {@code QUARKUS_ELASTICSEARCH_HOSTS}, {@code QUARKUS_MAILER_HOST} point Postroom at
 * real ones instead. Ctrl-C stops the application, then the servers.
 */
public final class LocalRun {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    public static void main(String[] args) throws Exception {
        long startedAt = System.nanoTime();
        Path appJar = Path.of(System.getProperty("postroom.app.jar", "target/quarkus-app/quarkus-run.jar"));
        if (!Files.isRegularFile(appJar)) {
            throw new IllegalStateException(appJar + " is missing: run ./mvnw -Plocal, which packages the app first");
        }
        List<EmbeddedServer> servers = new ArrayList<>();
        addUnlessConfigured(servers, "POSTROOM_DB_HOST", new PostgresServer());
        addUnlessConfigured(servers, "QUARKUS_REDIS_HOSTS", new RedisServer());
        addUnlessConfigured(servers, "QUARKUS_ELASTICSEARCH_HOSTS", new OpenSearchServer());
        MailServer mail = new MailServer();
        addUnlessConfigured(servers, "QUARKUS_MAILER_HOST", mail);
        System.out.println("Starting " + servers.stream().map(EmbeddedServer::name).toList() + " ...");
        RealServers.Running running = RealServers.start(servers);

        int httpPort = Integer.parseInt(System.getenv().getOrDefault("QUARKUS_HTTP_PORT", "8080"));
        ProcessBuilder app = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "-Dquarkus.profile=" + System.getenv().getOrDefault("QUARKUS_PROFILE", "local"),
                "-jar", appJar.toString()).inheritIO();
        running.config().forEach((key, value) -> app.environment().put(toEnvironmentName(key), value));
        Process process = app.start();
        ProcessReaper.watch(process.pid());
        // One hook, in order: the application first, so it never sees its servers vanish under it.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop(process);
            running.close();
        }, "local-run-stop"));

        String base = "http://localhost:" + httpPort;
        awaitReady(base + "/q/health/ready", process);
        System.out.printf("%n  Postroom is up in %.1f s: open %s%n", (System.nanoTime() - startedAt) / 1e9, base);
        System.out.println("  API docs " + base + "/q/swagger-ui   health " + base + "/q/health   metrics " + base + "/q/metrics");
        if (servers.contains(mail)) {
            System.out.println("  Sent mail is caught by GreenMail: IMAP 127.0.0.1:" + mail.imapPort()
                    + " (login and password: the recipient address)");
        }
        System.out.println("  Ctrl-C stops everything.\n");
        System.exit(process.waitFor());
    }

    private static void addUnlessConfigured(List<EmbeddedServer> servers, String variable, EmbeddedServer server) {
        String value = System.getenv(variable);
        if (value == null || value.isBlank()) {
            servers.add(server);
        } else {
            System.out.println(server.name() + ": using " + variable + "=" + value);
        }
    }

    /** Quarkus' mapping of a property name to an environment variable: {@code quarkus.redis.hosts -> QUARKUS_REDIS_HOSTS}. */
    static String toEnvironmentName(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    private static void awaitReady(String url, Process process) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(process.isAlive()
                ? "Postroom did not become ready within " + READY_TIMEOUT + " (" + url + ")"
                : "Postroom exited with code " + process.exitValue() + " (see its log above)");
    }

    private static void stop(Process process) {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

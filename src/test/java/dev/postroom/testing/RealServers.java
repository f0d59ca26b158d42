package dev.postroom.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

/**
 * Starts real servers in parallel, once per JVM, and stops them when the JVM ends.
 *
 * <p>Quarkus may load test code in more than one class loader during a run (one per application restart), so the
 * "already started" state and the servers' addresses live in system properties, which every class loader shares.
 */
public final class RealServers {

    private static final String PREFIX = "test-servers.";
    private static final String STARTED = PREFIX + "started";

    private RealServers() {
    }

    /** The Quarkus configuration of the test servers, starting them on the first call of this JVM. */
    public static synchronized Map<String, String> startOnce() {
        synchronized (System.getProperties()) {
            if (System.getProperty(STARTED) == null) {
                MailServer mail = new MailServer();
                // The app talks SMTP through the fault proxy, so tests can make chosen recipients fail (see its Javadoc).
                Running servers = start(List.of(new PostgresServer(), new RedisServer(), new OpenSearchServer(), mail,
                        new FaultInjectingSmtpProxy(mail.smtpPort())));
                Runtime.getRuntime().addShutdownHook(new Thread(servers::close, "test-servers-stop"));
                servers.config().forEach((key, value) -> System.setProperty(PREFIX + key, value));
                // A fixed port for the app under test, known before it starts: OAuth redirect URIs and webhook URLs
                // are built from postroom.public-url, which must name the port the app really listens on.
                int appPort = FreePort.find();
                System.setProperty(PREFIX + "quarkus.http.test-port", String.valueOf(appPort));
                System.setProperty(PREFIX + "postroom.public-url", "http://localhost:" + appPort);
                System.setProperty(STARTED, "true");
            }
        }
        return System.getProperties().stringPropertyNames().stream()
                .filter(name -> name.startsWith(PREFIX) && !name.equals(STARTED))
                .collect(Collectors.toMap(name -> name.substring(PREFIX.length()), System::getProperty,
                        (a, b) -> a, TreeMap::new));
    }

    /** A value of the test servers' configuration, e.g. {@code quarkus.redis.hosts}. */
    public static String config(String key) {
        String value = startOnce().get(key);
        if (value == null) {
            throw new IllegalArgumentException("no test server configures " + key);
        }
        return value;
    }

    /** Servers that are up, and the configuration that points Postroom at them. */
    public record Running(List<EmbeddedServer> servers, Map<String, String> config) implements AutoCloseable {
        @Override
        public void close() {
            servers.parallelStream().forEach(EmbeddedServer::stop);
        }
    }

    /**
     * Starts the given servers in parallel. Fails naming every server that could not start and why; the ones that
     * did start are stopped again.
     */
    public static Running start(List<EmbeddedServer> servers) {
        // Initialise logging here, once: the servers' libraries would otherwise do it from several threads at once,
        // and JUL's and SLF4J's initialisations can deadlock on each other's class initialisation.
        java.util.logging.Logger.getLogger(RealServers.class.getName());
        org.slf4j.LoggerFactory.getILoggerFactory();
        // Own threads, not the common pool: starting a server blocks, and a joining thread may otherwise run it.
        ExecutorService starter = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon().factory());
        List<CompletableFuture<EmbeddedServer>> starts = servers.stream()
                .map(server -> CompletableFuture.supplyAsync(() -> {
                    try {
                        server.start();
                        return server;
                    } catch (Exception e) {
                        throw new CompletionException(e);
                    }
                }, starter))
                .toList();
        List<String> failures = new ArrayList<>();
        List<EmbeddedServer> started = new ArrayList<>();
        for (int i = 0; i < servers.size(); i++) {
            try {
                started.add(starts.get(i).join());
            } catch (CompletionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                failures.add(servers.get(i).name() + " could not start: " + cause);
            }
        }
        starter.shutdown();
        if (!failures.isEmpty()) {
            new Running(started, Map.of()).close();
            throw new IllegalStateException(String.join("\n", failures));
        }
        Map<String, String> config = new LinkedHashMap<>();
        started.forEach(server -> config.putAll(server.config()));
        return new Running(List.copyOf(started), config);
    }
}

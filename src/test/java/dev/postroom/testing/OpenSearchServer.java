package dev.postroom.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * OpenSearch 3 (Elasticsearch-compatible REST API) from Maven Central, in a JVM of its own.
 *
 * <p>OpenSearch's libraries (Netty 4.2, Jackson 3) would clash with Quarkus' on one classpath, so its classpath is
 * resolved separately by the build (src/test/opensearch/pom.xml) and the node is started from
 * src/test/opensearch/OpenSearchNode.java with Java's source launcher. The node stops when its standard input
 * closes, so it cannot outlive this JVM.
 */
public final class OpenSearchServer implements EmbeddedServer {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);
    private static final String READY = "OPENSEARCH READY";

    private final int port = FreePort.find();
    private Process process;

    @Override
    public String name() {
        return "OpenSearch";
    }

    @Override
    public void start() throws Exception {
        if (Runtime.version().feature() < 21) {
            throw new IllegalStateException("OpenSearch 3 needs Java 21 or newer; this JVM is " + Runtime.version());
        }
        Path classpathFile = Path.of(System.getProperty("postroom.opensearch.classpath-file", "target/opensearch.classpath"));
        if (!Files.isRegularFile(classpathFile)) {
            throw new IllegalStateException(classpathFile.toAbsolutePath() + " is missing: the build writes it in the "
                    + "generate-test-resources phase (run ./mvnw verify or ./mvnw -Plocal)");
        }
        Path launcher = Path.of(System.getProperty("postroom.opensearch.launcher", "src/test/opensearch/OpenSearchNode.java"));
        Path home = Files.createTempDirectory("postroom-opensearch-");
        String java = ProcessHandle.current().info().command().orElse("java");
        process = new ProcessBuilder(List.of(java, "-Xms512m", "-Xmx512m", "-XX:+UseSerialGC",
                "-cp", Files.readString(classpathFile).trim(),
                launcher.toString(), home.toString(), String.valueOf(port), String.valueOf(FreePort.find())))
                .redirectErrorStream(true)
                .start();
        ProcessReaper.watch(process.pid());
        awaitReady();
    }

    /** Reads the node's output until it says it is ready; keeps the last lines to explain a failure. */
    private void awaitReady() throws Exception {
        Deque<String> lastLines = new ArrayDeque<>();
        CompletableFuture<Boolean> ready = new CompletableFuture<>();
        // One thread reads the output for the node's whole life, so the node never blocks on a full pipe.
        Thread.ofPlatform().daemon().name("opensearch-output").start(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith(READY)) {
                        ready.complete(true);
                    } else if (!ready.isDone()) {
                        synchronized (lastLines) {
                            lastLines.addLast(line);
                            if (lastLines.size() > 30) {
                                lastLines.removeFirst();
                            }
                        }
                    }
                }
            } catch (IOException e) {
                // the node is gone
            } finally {
                ready.complete(false);
            }
        });
        boolean started;
        try {
            started = ready.get(STARTUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            started = false;
        }
        if (!started) {
            stop();
            synchronized (lastLines) {
                throw new IllegalStateException("the node did not become ready within " + STARTUP_TIMEOUT
                        + "; its last output:\n  " + String.join("\n  ", lastLines));
            }
        }
    }

    @Override
    public void stop() {
        if (process == null) {
            return;
        }
        try {
            process.getOutputStream().close();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public int port() {
        return port;
    }

    @Override
    public Map<String, String> config() {
        return Map.of("quarkus.elasticsearch.hosts", "127.0.0.1:" + port);
    }
}

package dev.postroom.testing;

import redis.embedded.core.ExecutableProvider;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Redis on a free port: the machine's {@code redis-server} when it has one (Debian: 7.x), else the 6.2 binary bundled
 * in embedded-redis from Maven Central. Both support BLMOVE, which the outbound queue needs.
 *
 * <p>It can be stopped and started again on the same port, so tests can take Redis away from the app and give it
 * back.
 */
public final class RedisServer implements EmbeddedServer {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(20);

    private final int port;
    private Process process;

    public RedisServer() {
        this(FreePort.find());
    }

    public RedisServer(int port) {
        this.port = port;
    }

    @Override
    public String name() {
        return "Redis";
    }

    @Override
    public synchronized void start() throws Exception {
        process = new ProcessBuilder(List.of(executable(), "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--protected-mode", "no", "--loglevel", "warning"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        ProcessReaper.watch(process.pid());
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (!"PONG".equals(command("PING"))) {
            if (!process.isAlive()) {
                throw new IllegalStateException(executable() + " exited with code " + process.exitValue());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no answer on port " + port + " after " + STARTUP_TIMEOUT);
            }
            Thread.sleep(20);
        }
    }

    @Override
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    public int port() {
        return port;
    }

    @Override
    public Map<String, String> config() {
        return Map.of("quarkus.redis.hosts", "redis://127.0.0.1:" + port);
    }

    /**
     * Sends one inline command and returns the first line of the reply without its type marker, or null when Redis
     * does not answer. Enough for PING and FLUSHALL; use the Quarkus client for anything else.
     */
    public String command(String inlineCommand) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write((inlineCommand + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            String line = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            return line == null || line.isEmpty() ? null : line.substring(1);
        } catch (IOException e) {
            return null;
        }
    }

    private static String executable() throws IOException {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "redis-server");
            if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return ExecutableProvider.newJarResourceProvider().get().getAbsolutePath();
    }
}

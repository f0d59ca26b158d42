package dev.postroom.bench;

import io.vertx.core.json.JsonObject;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Listens to the live events' pub/sub channel ({@code postroom:events}) with a plain Redis connection and a thread of
 * its own, so an event's arrival time is taken when it reaches the benchmark, not when the app's event loop gets round
 * to it. Each message is {@code <topic> <stream id> <json>} (docs/events.md).
 */
final class EventTap implements AutoCloseable {

    /** One event as it arrived: {@code nanos} is {@link System#nanoTime()} at arrival. */
    record Event(long nanos, String topic, String streamId, JsonObject json) {
    }

    private final Socket socket;
    private final Thread reader;
    private final CountDownLatch subscribed = new CountDownLatch(1);
    private volatile boolean closed;

    /** @param redisUri e.g. {@code redis://127.0.0.1:6379} */
    EventTap(String redisUri, String channel, Consumer<Event> sink) throws IOException, InterruptedException {
        URI uri = URI.create(redisUri);
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5_000);
        OutputStream out = socket.getOutputStream();
        out.write(command("SUBSCRIBE", channel));
        out.flush();
        InputStream in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
        reader = Thread.ofPlatform().daemon().name("bench-event-tap").start(() -> {
            try {
                while (!closed) {
                    Object reply = read(in);
                    long now = System.nanoTime();
                    if (!(reply instanceof List<?> parts) || parts.size() < 3) {
                        continue;
                    }
                    String kind = String.valueOf(parts.get(0));
                    if (kind.equals("subscribe")) {
                        subscribed.countDown();
                    } else if (kind.equals("message")) {
                        sink.accept(parse(now, String.valueOf(parts.get(2))));
                    }
                }
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("event tap: connection lost: " + e);
                }
            }
        });
        if (!subscribed.await(10, TimeUnit.SECONDS)) {
            close();
            throw new IOException("SUBSCRIBE " + channel + " was not confirmed");
        }
    }

    private static Event parse(long nanos, String message) {
        int first = message.indexOf(' ');
        int second = message.indexOf(' ', first + 1);
        return new Event(nanos, message.substring(0, first), message.substring(first + 1, second),
                new JsonObject(message.substring(second + 1)));
    }

    private static byte[] command(String... args) {
        StringBuilder resp = new StringBuilder("*").append(args.length).append("\r\n");
        for (String arg : args) {
            resp.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg).append("\r\n");
        }
        return resp.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** One RESP2 reply: a String, a Long, or a List of those. */
    private static Object read(InputStream in) throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new IOException("closed");
        }
        String line = line(in);
        return switch (type) {
            case '+', '-' -> line;
            case ':' -> Long.parseLong(line);
            case '$' -> {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    yield null;
                }
                byte[] bytes = in.readNBytes(length);
                line(in); // CRLF
                yield new String(bytes, StandardCharsets.UTF_8);
            }
            case '*' -> {
                int count = Integer.parseInt(line);
                List<Object> items = new ArrayList<>(Math.max(0, count));
                for (int i = 0; i < count; i++) {
                    items.add(read(in));
                }
                yield items;
            }
            default -> throw new IOException("unexpected RESP type " + (char) type);
        };
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(32);
        int b;
        while ((b = in.read()) != '\r') {
            if (b < 0) {
                throw new IOException("closed");
            }
            bytes.write(b);
        }
        in.read(); // '\n'
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}

package dev.postroom.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Server-Sent Events client over real HTTP, for tests: opens a stream with the given headers and parses what
 * arrives into events (and comments) on a thread of its own. Close it to hang up.
 */
public final class SseClient implements AutoCloseable {

    /** One client for every stream: each of its own would keep a selector thread until garbage-collected. */
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** One parsed event; {@code comment} is set for comment lines (heartbeats), the rest for events. */
    public record SseEvent(String id, String name, String data, String comment) {
        public boolean isComment() {
            return comment != null;
        }
    }

    private final HttpResponse<Stream<String>> response;
    private final BlockingQueue<SseEvent> received = new LinkedBlockingQueue<>();
    private final Thread reader;

    private SseClient(HttpResponse<Stream<String>> response) {
        this.response = response;
        this.reader = Thread.ofVirtual().start(this::read);
    }

    /** Opens {@code url} with the headers (e.g. Cookie, Authorization, Last-Event-ID) and waits for the status. */
    public static SseClient open(URI url, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(url).header("Accept", "text/event-stream").GET();
        headers.forEach(request::header);
        try {
            return new SseClient(HTTP.send(request.build(), HttpResponse.BodyHandlers.ofLines()));
        } catch (IOException e) {
            throw new IllegalStateException("GET " + url.getPath() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public int status() {
        return response.statusCode();
    }

    public String contentType() {
        return response.headers().firstValue("Content-Type").orElse("");
    }

    /** The next {@code count} events (comments skipped), or fails after {@code timeout}. */
    public List<SseEvent> events(int count, Duration timeout) {
        List<SseEvent> events = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (events.size() < count) {
            SseEvent next = poll(deadline);
            if (next == null) {
                throw new AssertionError("only " + events.size() + " of " + count + " events within " + timeout + ": " + events);
            }
            if (!next.isComment()) {
                events.add(next);
            }
        }
        return events;
    }

    /** The next comment line (heartbeats), or fails after {@code timeout}. */
    public SseEvent comment(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        SseEvent next;
        while ((next = poll(deadline)) != null) {
            if (next.isComment()) {
                return next;
            }
        }
        throw new AssertionError("no comment within " + timeout);
    }

    /** Events (not comments) that arrive within {@code quiet}: to check that nothing (more) comes. */
    public List<SseEvent> eventsWithin(Duration quiet) {
        List<SseEvent> events = new ArrayList<>();
        long deadline = System.nanoTime() + quiet.toNanos();
        SseEvent next;
        while ((next = poll(deadline)) != null) {
            if (!next.isComment()) {
                events.add(next);
            }
        }
        return events;
    }

    private SseEvent poll(long deadline) {
        try {
            return received.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private void read() {
        String id = null;
        String name = null;
        StringBuilder data = null;
        try (Stream<String> lines = response.body()) {
            for (String line : (Iterable<String>) lines::iterator) {
                if (line.isEmpty()) {
                    if (data != null) {
                        received.add(new SseEvent(id, name == null ? "message" : name, data.toString(), null));
                    }
                    id = null;
                    name = null;
                    data = null;
                } else if (line.startsWith(":")) {
                    received.add(new SseEvent(null, null, null, line.substring(1).strip()));
                } else if (line.startsWith("id:")) {
                    id = line.substring(3).strip();
                } else if (line.startsWith("event:")) {
                    name = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    data = (data == null ? new StringBuilder() : data.append('\n')).append(line.substring(5).strip());
                }
            }
        } catch (RuntimeException e) {
            // closed by the test
        }
    }

    @Override
    public void close() {
        response.body().close();
        reader.interrupt();
    }
}

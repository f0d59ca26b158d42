package dev.postroom.bench;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * What one scenario found: a markdown section ({@code <name>.md}, written as it goes, so an aborted run keeps what it
 * measured), the figures as JSON ({@code <name>.json}) and any extra files, in the directory {@code bench.out}.
 * Everything is also printed, so the Maven log has it too.
 */
final class Report {

    private final Path dir;
    private final String name;
    private final JsonObject figures = new JsonObject();

    Report(Path dir, String name) {
        this.dir = dir;
        this.name = name;
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(name + ".md"), "", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        figures.put("scenario", name).put("started", Instant.now().toString());
    }

    static Path outputDirectory() {
        return Path.of(System.getProperty("bench.out", "target/bench-sync")).toAbsolutePath();
    }

    /** A line of the markdown section. */
    void line(String text) {
        System.out.println("[bench " + name + "] " + text);
        append(name + ".md", text + "\n");
    }

    void line(String format, Object... args) {
        line(String.format(format, args));
    }

    /** A figure for the JSON file (and nothing in the markdown: say it with {@link #line}). */
    void figure(String key, Object value) {
        JsonObject target = figures;
        String[] path = key.split("\\.");
        for (String part : Arrays.copyOf(path, path.length - 1)) {
            if (!target.containsKey(part)) {
                target.put(part, new JsonObject());
            }
            target = target.getJsonObject(part);
        }
        target.put(path[path.length - 1], value);
        save();
    }

    /** An extra file next to the report (e.g. samples as CSV, a histogram). */
    void file(String fileName, String content) {
        try {
            Files.writeString(dir.resolve(fileName), content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void append(String fileName, String content) {
        try {
            Files.writeString(dir.resolve(fileName), content, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path path(String fileName) {
        return dir.resolve(fileName);
    }

    private void save() {
        file(name + ".json", figures.encodePrettily() + "\n");
    }

    /** The p-th percentile (0..100) of sorted values, nearest rank. */
    static double percentile(List<Double> sorted, double p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.min(sorted.size() - 1, Math.max(0, rank - 1)));
    }
}

package dev.postroom.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Makes sure the server processes started by this JVM die with it, even when it is killed with SIGKILL and no
 * shutdown hook runs.
 *
 * <p>A small shell process reads PIDs from a pipe whose other end only this JVM holds. When this JVM ends, however
 * it ends, the pipe closes and the shell kills every PID it was given. It ignores SIGINT and SIGTERM, so a signal sent to the
 * whole process group lets the servers shut down on their own before it cleans up.
 */
final class ProcessReaper {

    private static final String SCRIPT = """
            trap '' INT HUP TERM
            pids=""
            while read -r pid; do pids="$pids $pid"; done
            [ -n "$pids" ] || exit 0
            kill $pids 2>/dev/null
            sleep 3
            kill -9 $pids 2>/dev/null
            exit 0
            """;

    private static OutputStream pipe;

    private ProcessReaper() {
    }

    static synchronized void watch(long pid) {
        try {
            if (pipe == null) {
                Process reaper = new ProcessBuilder("sh", "-c", SCRIPT)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .start();
                pipe = reaper.getOutputStream();
            }
            pipe.write((pid + "\n").getBytes(StandardCharsets.US_ASCII));
            pipe.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the process reaper (needs sh)", e);
        }
    }

    /** Watches a process and every process it has started so far. */
    static void watchTree(ProcessHandle process) {
        watch(process.pid());
        process.descendants().forEach(child -> watch(child.pid()));
    }
}

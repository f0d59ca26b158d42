package dev.postroom.bench;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.HashMap;
import java.util.Map;

/**
 * The sync engine as it runs in production, not as the tests tune it: the test profile polls every half second
 * ({@code %test.postroom.sync.poll.*}), which would hide what polling costs and how late changes are seen. This profile
 * puts back the defaults of {@code SyncConfig} (poll, lease, backoff) and sets change notifications from the system
 * property {@code bench.notifications} ({@code on} / {@code off}, default {@code off} as in production, where they
 * need a public URL). The engine is still started by the benchmark itself ({@code SyncEngine.start()}).
 *
 * <p>One simulator setting: delta rounds are forgotten after {@code bench.sim.round-idle-timeout} (default PT30S,
 * Graph-like default PT1H) instead of an hour, so that the simulator's memory of the thousands of one-page polling
 * rounds does not pile up in the heap that the 2,000-mailbox scenario measures. A round's pages follow each other
 * within a second or so in every scenario, so no nextLink is forgotten while it is still used (the engine would log a
 * restarted round if one were).
 *
 * <p>The request log is off by default (see {@link #getConfigOverrides()}).
 *
 * <p>Page size: {@code -Dpostroom.sync.page-size=100} on the Maven command line reaches the test JVM as a system
 * property and Quarkus reads it; the benchmark prints the effective settings so this can be checked.
 */
public class SyncBenchProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>();
        // SyncConfig's defaults (production); the test profile's %test.postroom.sync.* values are overridden.
        config.put("postroom.sync.poll.min", "PT5S");
        config.put("postroom.sync.poll.inbox-max", "PT1M");
        config.put("postroom.sync.poll.max", "PT5M");
        config.put("postroom.sync.poll.folders", "PT2M");
        config.put("postroom.sync.lease.ttl", "PT30S");
        config.put("postroom.sync.lease.scan", "PT5S");
        config.put("postroom.sync.limits.backoff-min", "PT1S");
        config.put("postroom.sync.limits.backoff-max", "PT5M");
        config.put("postroom.sync.notifications.poll-max", "PT15M");
        config.put("postroom.sync.notifications.enabled", String.valueOf(notificationsOn()));
        config.put("postroom.simulator.delta.round-idle-timeout", System.getProperty("bench.sim.round-idle-timeout", "PT30S"));
        // No log line per HTTP request: nearly all requests here are the engine's calls to the simulated Graph, which
        // in production go to Microsoft and are not logged by Postroom; their log lines would be CPU the numbers
        // include. (-Dbench.request-log=true puts it back.)
        config.put("postroom.http.request-log", System.getProperty("bench.request-log", "false"));
        return config;
    }

    static boolean notificationsOn() {
        String value = System.getProperty("bench.notifications", "off").strip().toLowerCase();
        return switch (value) {
            case "on", "true", "yes" -> true;
            case "off", "false", "no" -> false;
            default -> throw new IllegalArgumentException("bench.notifications must be on or off, not " + value);
        };
    }
}

package dev.postroom.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Points the application under test at the real servers of this test run. The servers outlive application restarts
 * and are stopped when the test JVM ends (see {@link RealServers}).
 */
public class RealServersResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return RealServers.startOnce();
    }

    @Override
    public void stop() {
        // The servers are shared by every application start of this run; RealServers stops them at JVM exit.
    }
}

package dev.postroom.testing;

import dev.postroom.sync.SyncEngine;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.time.Duration;

/**
 * For tests that need mailboxes synced: the test profile leaves the sync engine off (so other tests' linked mailboxes
 * are left alone); a subclass has it running during each test, as a freshly started instance, and stopped after.
 */
public abstract class SyncEngineRunning {

    @Inject
    protected SyncEngine engine;

    @BeforeEach
    void startSyncEngine() {
        engine.start();
    }

    @AfterEach
    void stopSyncEngine() {
        engine.stop().await().atMost(Duration.ofSeconds(10));
    }
}

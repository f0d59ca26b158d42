package dev.postroom.harness;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

@QuarkusTest
class PostgresHarnessTest {

    @Test
    void flywayMigratedAndPanacheWritesAndReadsARow() throws Throwable {
        String label = "probe-" + System.nanoTime();

        Long id = VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(() -> {
            HarnessProbe probe = new HarnessProbe();
            probe.label = label;
            return probe.persist().replaceWith(() -> probe.id);
        }));
        HarnessProbe found = VertxContextSupport.subscribeAndAwait(
                () -> Panache.withSession(() -> HarnessProbe.<HarnessProbe>findById(id)));

        assertNotNull(found, "the row written in one session is read back in another");
        assertEquals(label, found.label);
        assertNotNull(found.createdAt, "the column default from the migration applies");
        Long applied = VertxContextSupport.subscribeAndAwait(() -> Panache.withSession(() -> Panache.getSession()
                .flatMap(session -> session.createNativeQuery(
                        "select count(*) from flyway_schema_history where success and version = '1000'", Long.class)
                        .getSingleResult())));
        assertEquals(1L, applied, "Flyway recorded the test migration as applied");
    }
}

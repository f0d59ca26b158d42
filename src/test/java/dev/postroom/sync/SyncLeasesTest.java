package dev.postroom.sync;

import dev.postroom.account.LinkApi;
import dev.postroom.simulator.OutlookSimulator;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Leases: with several instances, each mailbox is synced by exactly one; a stalled instance's mailboxes move to
 * another once its leases ran out, and it can no longer move their links; round numbers only go up across owners.
 */
@QuarkusTest
class SyncLeasesTest {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final Duration TTL = Duration.ofSeconds(2);

    @Inject
    SyncStore store;

    @Inject
    OutlookSimulator simulator;

    @AfterEach
    void releaseEverything() {
        store.releaseAll("instance-a").await().atMost(WAIT);
        store.releaseAll("instance-b").await().atMost(WAIT);
    }

    @Test
    void twoInstancesNeverHoldTheSameMailboxAndAStalledOnesMailboxesMoveOn() throws InterruptedException {
        Set<UUID> mine = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            String address = LinkApi.unique("lease");
            simulator.createMailbox(address, "Lease " + i, false);
            mine.add(LinkApi.link(LinkApi.signUp(), address));
        }

        List<List<SyncStore.Leased>> both = Uni.combine().all()
                .unis(store.acquire("instance-a", TTL, 10_000), store.acquire("instance-b", TTL, 10_000))
                .with(results -> results.stream().map(r -> {
                    @SuppressWarnings("unchecked") List<SyncStore.Leased> leased = (List<SyncStore.Leased>) r;
                    return leased;
                }).toList())
                .await().atMost(WAIT);
        Map<UUID, SyncStore.Leased> a = byId(both.get(0));
        Map<UUID, SyncStore.Leased> b = byId(both.get(1));
        for (UUID mailbox : mine) {
            assertTrue(a.containsKey(mailbox) ^ b.containsKey(mailbox), "exactly one instance holds " + mailbox);
        }
        UUID heldByA = mine.stream().filter(a::containsKey).findFirst()
                .orElseGet(() -> mine.stream().filter(b::containsKey).findFirst().orElseThrow());
        String holder = a.containsKey(heldByA) ? "instance-a" : "instance-b";
        String other = holder.equals("instance-a") ? "instance-b" : "instance-a";
        SyncStore.Leased first = (holder.equals("instance-a") ? a : b).get(heldByA);

        assertTrue(store.renew(holder, TTL).await().atMost(WAIT).contains(heldByA));
        assertFalse(store.saveFolderTree(other, heldByA, List.of(), List.of(), "link", false).await().atMost(WAIT),
                "the other instance cannot write for a mailbox it does not hold");

        Thread.sleep(TTL.toMillis() + 500);   // the holder stalls: no renewal
        Map<UUID, SyncStore.Leased> takenOver = byId(store.acquire(other, TTL, 10_000).await().atMost(WAIT));

        assertTrue(takenOver.containsKey(heldByA), "taken over after the lease ran out");
        assertTrue(takenOver.get(heldByA).roundsFrom() > first.roundsTo(), "round numbers go on upwards");
        assertFalse(store.renew(holder, TTL).await().atMost(WAIT).contains(heldByA), "the stalled one lost it");
        assertFalse(store.saveFolderTree(holder, heldByA, List.of(), List.of(), "stale", false).await().atMost(WAIT),
                "and can no longer move its links");
        assertEquals(Set.of(), store.acquire(holder, TTL, 10_000).await().atMost(WAIT).stream()
                .map(SyncStore.Leased::mailboxId).filter(mine::contains).collect(Collectors.toSet()),
                "nothing of it is free while the other renews");
    }

    private static Map<UUID, SyncStore.Leased> byId(List<SyncStore.Leased> leased) {
        return leased.stream().collect(Collectors.toMap(SyncStore.Leased::mailboxId, l -> l));
    }
}

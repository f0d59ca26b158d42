package dev.postroom.events;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** EventFeed against real Redis: replay after an id, then live, with no gap and no repeat; fan-out by topic. */
@QuarkusTest
class EventFeedTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Inject
    EventPublisher publisher;

    @Inject
    EventFeed feed;

    @Inject
    RedisDataSource redis;

    private static String newTopic() {
        return "test:" + UUID.randomUUID();
    }

    private String publish(String topic, int n) {
        return publisher.publish(topic, new JsonObject().put("type", "test").put("n", n)).await().atMost(WAIT);
    }

    private static List<Integer> numbers(List<Event> events) {
        return events.stream().map(e -> e.data().getInteger("n")).toList();
    }

    @Test
    void replaysWhatFollowsTheLastEventIdThenContinuesLive() {
        String topic = newTopic();
        String first = publish(topic, 1);
        publish(topic, 2);
        publish(topic, 3);

        AssertSubscriber<Event> page = feed.follow(topic, first).subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        page.awaitItems(2, WAIT);
        publish(topic, 4);
        page.awaitItems(3, WAIT);

        assertEquals(List.of(2, 3, 4), numbers(page.getItems()));
        assertTrue(page.getItems().stream().allMatch(e -> e.topic().equals(topic) && "test".equals(e.type())));
        page.cancel();
    }

    @Test
    void withoutALastEventIdOnlyLiveEventsArrive() {
        String topic = newTopic();
        // An earlier follower sees event 1 arrive: from then on the subscription has delivered it, and a new
        // follower without a Last-Event-ID must not get it (nothing is replayed from the stream).
        AssertSubscriber<Event> earlier = feed.follow(topic, publish(topic, 0)).subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        publish(topic, 1);
        earlier.awaitItems(1, WAIT);

        AssertSubscriber<Event> page = feed.follow(topic, null).subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        awaitFollowing(topic, page);
        assertTrue(numbers(page.getItems()).stream().noneMatch(n -> n == 1), "no replay without a Last-Event-ID");
        page.cancel();
        earlier.cancel();
    }

    @Test
    void eventsPublishedWhileTheBacklogIsReadArriveOnceAndInOrder() throws InterruptedException {
        String topic = newTopic();
        String start = publish(topic, 0);
        IntStream.rangeClosed(1, 300).forEach(n -> publish(topic, n));
        Thread writer = Thread.ofPlatform().start(() -> IntStream.rangeClosed(301, 600).forEach(n -> publish(topic, n)));

        AssertSubscriber<Event> page = feed.follow(topic, start).subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        writer.join();
        page.awaitItems(600, WAIT);

        assertEquals(IntStream.rangeClosed(1, 600).boxed().toList(), numbers(page.getItems()));
        List<String> ids = page.getItems().stream().map(Event::id).toList();
        for (int i = 1; i < ids.size(); i++) {
            assertTrue(StreamIds.compare(ids.get(i - 1), ids.get(i)) < 0, "stream order");
        }
        page.cancel();
    }

    @Test
    void eachFollowerSeesOnlyItsOwnTopic() {
        String mine = newTopic();
        String theirs = newTopic();
        AssertSubscriber<Event> page = feed.follow(mine, publish(mine, 0)).subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        publish(theirs, 99);
        publish(mine, 1);
        page.awaitItems(1, WAIT);
        assertEquals(List.of(1), numbers(page.getItems()));
        page.cancel();
    }

    @Test
    void aSlowFollowerIsEndedWithoutHoldingBackTheOthers() {
        String topic = newTopic();
        String start = publish(topic, 0);
        AssertSubscriber<Event> slow = feed.follow(topic, start).subscribe().withSubscriber(AssertSubscriber.create(0));
        AssertSubscriber<Event> fast = feed.follow(topic, start).subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        int total = EventFeed.FOLLOWER_BUFFER + 50;
        IntStream.rangeClosed(1, total).forEach(n -> publish(topic, n));

        fast.awaitItems(total, WAIT);
        slow.awaitFailure(WAIT);
        assertEquals(IntStream.rangeClosed(1, total).boxed().toList(), numbers(fast.getItems()));
        fast.cancel();
    }

    @Test
    void aLostSubscriptionEndsTheFollowersAndTheNextFollowReplaysWhatWasMissed() {
        String topic = newTopic();
        AssertSubscriber<Event> page = feed.follow(topic, publish(topic, 0)).subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        publish(topic, 1);
        page.awaitItems(1, WAIT);
        String lastSeen = page.getItems().getLast().id();

        redis.execute("CLIENT", "KILL", "TYPE", "pubsub");
        page.awaitCompletion(WAIT);
        publish(topic, 2);

        AssertSubscriber<Event> again = feed.follow(topic, lastSeen).subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        again.awaitItems(1, WAIT);
        publish(topic, 3);
        again.awaitItems(2, WAIT);
        assertEquals(List.of(2, 3), numbers(again.getItems()));
        again.cancel();
    }

    @Test
    void lastIdNamesTheNewestEvent() {
        String topic = newTopic();
        assertEquals(StreamIds.BEGINNING, feed.lastId(topic).await().atMost(WAIT));
        publish(topic, 1);
        String second = publish(topic, 2);
        assertEquals(second, feed.lastId(topic).await().atMost(WAIT));
    }

    @Test
    void streamIdsCompareAsNumbers() {
        assertTrue(StreamIds.compare("10-0", "9-0") > 0);
        assertTrue(StreamIds.compare("5-10", "5-9") > 0);
        assertEquals(0, StreamIds.compare("5-1", "5-1"));
        assertTrue(StreamIds.isValid("1700000000000-3"));
        assertTrue(!StreamIds.isValid("1700000000000") && !StreamIds.isValid("x-1") && !StreamIds.isValid(null));
    }

    /** Publishes until the follower has seen a live event: its subscription is in place from then on. */
    private void awaitFollowing(String topic, AssertSubscriber<Event> page) {
        for (int n = 1000; page.getItems().isEmpty() && n < 1100; n++) {
            publish(topic, n);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        assertTrue(!page.getItems().isEmpty(), "the follower never saw a live event");
    }
}

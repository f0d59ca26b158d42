package dev.postroom.harness;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.list.Position;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

@QuarkusTest
class RedisHarnessTest {

    @Inject
    RedisDataSource redis;

    @Test
    void blmoveMovesTheOldestItemIntoTheProcessingList() {
        String queue = "harness:queue:" + System.nanoTime();
        String processing = queue + ":processing";
        var lists = redis.list(String.class);
        lists.lpush(queue, "first", "second");

        String moved = lists.blmove(queue, processing, Position.RIGHT, Position.LEFT, Duration.ofSeconds(1));

        assertEquals("first", moved);
        assertEquals(List.of("second"), lists.lrange(queue, 0, -1));
        assertEquals(List.of("first"), lists.lrange(processing, 0, -1));
        redis.key().del(queue, processing);
    }
}

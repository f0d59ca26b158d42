package dev.postroom.search;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** Settings of the mailbox mirror's indices ({@code postroom.search.*}). */
@ConfigMapping(prefix = "postroom.search")
public interface SearchConfig {

    /** Prefix of every index, alias and template name: {@code <prefix>-messages}, {@code <prefix>-mailboxes}. */
    @WithDefault("postroom")
    String indexPrefix();

    /** Primary shards per index. Documents are routed by account, so one account's data is always on one shard. */
    @WithDefault("1")
    int shards();

    /** Replicas per shard: 0 suits a single node; set 1 or more on a cluster. */
    @WithDefault("0")
    int replicas();

    /**
     * How soon a write becomes searchable; longer intervals make initial syncs faster. Pages replay this much of
     * the live events they load with, since their first list may not show the latest writes yet.
     */
    @WithDefault("1s")
    Duration refreshInterval();
}

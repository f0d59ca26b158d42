package dev.postroom.sync;

import dev.postroom.account.OutlookTokens;
import dev.postroom.events.EventPublisher;
import dev.postroom.search.MirrorQueries;
import dev.postroom.search.MirrorWriter;
import dev.postroom.search.SearchIndices;
import io.vertx.core.Vertx;

import java.net.URI;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * What every {@link MailboxSync} of an instance shares: this instance's lease owner id, settings, stores, the bounds on
 * folders read from scratch and on requests in flight, and how to tell the engine that a mailbox must stop here.
 */
record SyncContext(String owner, SyncConfig config, SyncStore store, SearchIndices indices, MirrorWriter writer,
        MirrorQueries queries,
        EventPublisher events, OutlookTokens tokens, Vertx vertx, AsyncPermits fullRounds, AsyncPermits requests,
        Notifications notifications,
        Consumer<UUID> onLeaseLost, Consumer<UUID> onNeedsRelink) {

    /** Where the provider sends change notifications; null URLs: notifications are off. */
    record Notifications(URI notificationUrl, URI lifecycleUrl) {

        boolean enabled() {
            return notificationUrl != null;
        }
    }
}

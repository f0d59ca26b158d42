package dev.postroom.provider;

import dev.postroom.mail.MailboxChange;

import java.util.List;
import java.util.Objects;

/**
 * One page of a delta round, translated into mirror changes.
 *
 * @param changes       in the order the provider gave them (a message may appear twice: changes are idempotent)
 * @param link          the link to store and call next, exactly as given: a next link while {@code roundComplete} is
 *                      false, else the delta link that starts the next round
 * @param roundComplete whether this was the round's last page
 */
public record DeltaPage(List<MailboxChange> changes, String link, boolean roundComplete) {

    public DeltaPage {
        changes = List.copyOf(changes);
        Objects.requireNonNull(link, "link");
    }
}

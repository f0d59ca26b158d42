package dev.postroom.search;

import dev.postroom.mail.MessageDoc;

import java.util.List;

/** One page of a message search and how many messages match in all. */
public record MessagePage(List<MessageDoc> messages, long total) {
}

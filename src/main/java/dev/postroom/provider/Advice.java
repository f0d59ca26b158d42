package dev.postroom.provider;

/**
 * What a person is told when linking fails: a short title, what happened, and what to do about it, in plain words.
 * {@code code} is the provider's error code as given (e.g. {@code AADSTS50020}), for support and search.
 */
public record Advice(String title, String whatHappened, String whatToDo, String code) {
}

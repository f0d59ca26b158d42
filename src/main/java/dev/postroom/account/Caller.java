package dev.postroom.account;

/**
 * Who is calling the API: the owner whose data they see ("key:&lt;name&gt;" for an operator's service key,
 * "user:&lt;id&gt;" for a local user) and the id of the key they used (rate limits count per key).
 */
public record Caller(String owner, String keyId) {
}

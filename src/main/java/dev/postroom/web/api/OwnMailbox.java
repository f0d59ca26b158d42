package dev.postroom.web.api;

import jakarta.ws.rs.NameBinding;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The path's {@code {id}} must be a linked mailbox of the authenticated caller's: else 404 (403 for a service key),
 * answered by {@link OwnMailboxFilter} before the resource runs. For resources that start answering before they
 * could check themselves, such as event streams (their 200 goes out at once).
 */
@NameBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface OwnMailbox {
}

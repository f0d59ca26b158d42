package dev.postroom.outbound;

import com.fasterxml.jackson.annotation.JsonFormat;

import java.util.List;

/**
 * The body of {@code POST /send} as the client wrote it; {@link SendRequestValidator} turns it into an
 * {@link OutgoingEmail} or says what is wrong. Recipient fields take one address or a list.
 */
public record SendRequest(
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> to,
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> cc,
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> bcc,
        String from,
        String replyTo,
        String subject,
        String text,
        String html) {
}

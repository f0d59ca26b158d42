package dev.postroom.outbound;

import dev.postroom.mail.EmailAddress;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Objects;

/** A validated email, ready to be logged and queued. {@code from} and {@code replyTo} may be null. */
public record OutgoingEmail(
        List<EmailAddress> to,
        List<EmailAddress> cc,
        List<EmailAddress> bcc,
        EmailAddress from,
        EmailAddress replyTo,
        String subject,
        String text,
        String html) {

    public OutgoingEmail {
        to = List.copyOf(to);
        cc = List.copyOf(cc);
        bcc = List.copyOf(bcc);
    }

    /**
     * A fingerprint of everything the email says, for Idempotency-Key: the same key with a different email is a
     * conflict, not a replay.
     */
    public byte[] fingerprint() {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            for (Object part : List.of(to, cc, bcc, Objects.toString(from), Objects.toString(replyTo), subject,
                    Objects.toString(text), Objects.toString(html))) {
                sha256.update(part.toString().getBytes(StandardCharsets.UTF_8));
                sha256.update((byte) 0);
            }
            return sha256.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}

package dev.postroom.testing;

import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Predicate;

/**
 * Reads what the test SMTP server received, the way a person's mail client would: over IMAP.
 *
 * <p>Messages are returned detached from the connection as plain {@link Received} records.
 */
public final class TestMailbox {

    public record Received(String subject, String from, List<String> to, String body, String messageId) {
    }

    private TestMailbox() {
    }

    /** The messages in {@code address}'s inbox right now. */
    public static List<Received> read(String address) {
        Properties props = new Properties();
        props.put("mail.imap.connectiontimeout", "5000");
        props.put("mail.imap.timeout", "5000");
        try {
            Store store = Session.getInstance(props).getStore("imap");
            store.connect("127.0.0.1", Integer.parseInt(RealServers.config("greenmail.imap.port")), address, address);
            try {
                Folder inbox = store.getFolder("INBOX");
                inbox.open(Folder.READ_ONLY);
                List<Received> received = new ArrayList<>();
                for (Message message : inbox.getMessages()) {
                    received.add(new Received(message.getSubject(),
                            message.getFrom() == null ? null : message.getFrom()[0].toString(),
                            message.getAllRecipients() == null ? List.of()
                                    : List.of(message.getAllRecipients()).stream().map(Object::toString).toList(),
                            bodyOf(message),
                            message.getHeader("Message-ID") == null ? null : message.getHeader("Message-ID")[0]));
                }
                inbox.close(false);
                return received;
            } finally {
                store.close();
            }
        } catch (jakarta.mail.AuthenticationFailedException e) {
            return List.of(); // no mail delivered to this address yet, so GreenMail has no such user
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + address + " over IMAP", e);
        }
    }

    /** Waits until {@code address} has a message that matches, and returns it. */
    public static Received await(String address, Predicate<Received> matching, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (Received message : read(address)) {
                if (matching.test(message)) {
                    return message;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no matching message reached " + address + " within " + timeout
                        + "; it has " + read(address));
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    private static String bodyOf(Message message) throws MessagingException, java.io.IOException {
        Object content = message.getContent();
        if (content instanceof String text) {
            return text;
        }
        if (content instanceof jakarta.mail.Multipart multipart) {
            StringBuilder all = new StringBuilder();
            for (int i = 0; i < multipart.getCount(); i++) {
                Object part = multipart.getBodyPart(i).getContent();
                all.append(part instanceof String text ? text : "");
            }
            return all.toString();
        }
        return String.valueOf(content);
    }
}

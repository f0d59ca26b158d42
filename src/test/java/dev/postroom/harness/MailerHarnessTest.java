package dev.postroom.harness;

import dev.postroom.testing.TestMailbox;
import io.quarkus.mailer.Mail;
import io.quarkus.mailer.reactive.ReactiveMailer;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
class MailerHarnessTest {

    @Inject
    ReactiveMailer mailer;

    @Test
    void mailSentWithTheReactiveMailerArrivesAtTheSmtpServer() {
        String recipient = "harness-" + System.nanoTime() + "@example.org";
        String subject = "Harness check " + System.nanoTime();

        mailer.send(Mail.withText(recipient, subject, "Delivered over real SMTP.")).await().atMost(Duration.ofSeconds(10));

        TestMailbox.Received received = TestMailbox.await(recipient, m -> subject.equals(m.subject()), Duration.ofSeconds(10));
        assertTrue(received.body().contains("Delivered over real SMTP."), received.body());
    }
}

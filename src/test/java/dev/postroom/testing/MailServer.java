package dev.postroom.testing;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

import java.util.Map;

/**
 * GreenMail: an SMTP server that keeps every message it receives, readable over IMAP. Runs inside this JVM.
 *
 * <p>Accepts any SMTP login. Each recipient gets a mailbox on first delivery; its IMAP login and password are both
 * the recipient's address.
 */
public final class MailServer implements EmbeddedServer {

    private final int smtpPort = FreePort.find();
    private final int imapPort = FreePort.find();
    private GreenMail greenMail;

    @Override
    public String name() {
        return "GreenMail (SMTP/IMAP)";
    }

    @Override
    public void start() {
        greenMail = new GreenMail(new ServerSetup[] {
                new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP),
                new ServerSetup(imapPort, "127.0.0.1", ServerSetup.PROTOCOL_IMAP) })
                .withConfiguration(GreenMailConfiguration.aConfig().withDisabledAuthentication());
        greenMail.start();
    }

    @Override
    public void stop() {
        if (greenMail != null) {
            greenMail.stop();
        }
    }

    public int smtpPort() {
        return smtpPort;
    }

    public int imapPort() {
        return imapPort;
    }

    @Override
    public Map<String, String> config() {
        return Map.of(
                "quarkus.mailer.host", "127.0.0.1",
                "quarkus.mailer.port", String.valueOf(smtpPort),
                "greenmail.imap.port", String.valueOf(imapPort));
    }
}

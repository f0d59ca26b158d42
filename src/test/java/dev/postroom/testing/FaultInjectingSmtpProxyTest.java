package dev.postroom.testing;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.store.FolderException;
import com.icegreen.greenmail.store.StoredMessage;
import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fault-injecting SMTP proxy in front of a real GreenMail, driven by Jakarta Mail: no Quarkus here. */
class FaultInjectingSmtpProxyTest {

    private static final Duration ARRIVAL = Duration.ofSeconds(5);
    /** Jakarta Mail's reply code when the server did not answer at all. */
    private static final int NO_REPLY = -1;

    private static GreenMail greenMail;
    private static FaultInjectingSmtpProxy proxy;

    @BeforeAll
    static void startServers() throws Exception {
        greenMail = new GreenMail(new ServerSetup[] {
                new ServerSetup(FreePort.find(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP),
                new ServerSetup(FreePort.find(), "127.0.0.1", ServerSetup.PROTOCOL_IMAP) })
                .withConfiguration(GreenMailConfiguration.aConfig().withDisabledAuthentication());
        greenMail.start();
        proxy = new FaultInjectingSmtpProxy(greenMail.getSmtp().getPort());
        proxy.start();
    }

    @AfterAll
    static void stopServers() {
        if (proxy != null) {
            proxy.stop();
        }
        if (greenMail != null) {
            greenMail.stop();
        }
    }

    @Test
    void configPointsTheMailerAtTheProxy() {
        assertEquals("127.0.0.1", proxy.config().get("quarkus.mailer.host"));
        assertEquals(String.valueOf(proxy.port()), proxy.config().get("quarkus.mailer.port"));
    }

    @Test
    void mailToAnOrdinaryRecipientArrives() throws Exception {
        String to = unique("plain");

        send(to, "Hello through the proxy");

        assertEquals("Hello through the proxy", awaitArrival(to).getContent());
    }

    @Test
    void tempfailRecipientIsRefusedWith451OnceThenAccepted() throws Exception {
        String to = unique("tempfail1");

        SendFailedException failure = assertThrows(SendFailedException.class, () -> send(to, "first try"));
        assertEquals(451, returnCode(failure));
        assertTrue(received(to).isEmpty(), "a refused recipient must get nothing");

        send(to, "second try");
        assertEquals("second try", awaitArrival(to).getContent());
        assertEquals(1, received(to).size());
    }

    @Test
    void tempfailCountsAttemptsPerAddressAcrossConnections() throws Exception {
        String to = unique("tempfail2");

        assertEquals(451, returnCode(assertThrows(SendFailedException.class, () -> send(to, "1"))));
        assertEquals(451, returnCode(assertThrows(SendFailedException.class, () -> send(to, "2"))));
        send(to, "3");

        assertEquals("3", awaitArrival(to).getContent());
    }

    @Test
    void rejectRecipientIsRefusedWith550EveryTimeAndNothingArrives() throws Exception {
        String to = unique("reject");

        for (int attempt = 0; attempt < 3; attempt++) {
            SendFailedException failure = assertThrows(SendFailedException.class, () -> send(to, "never"));
            assertEquals(550, returnCode(failure));
        }
        assertTrue(received(to).isEmpty());
    }

    @Test
    void aRejectedRecipientDoesNotStopTheOthersOfTheSameMessage() throws Exception {
        // Jakarta Mail sends to the recipients that were accepted when told to (sendpartial): the proxy's own 550
        // must leave the upstream transaction usable.
        String accepted = unique("partial");
        String rejected = unique("reject");
        Session session = session();
        session.getProperties().put("mail.smtp.sendpartial", "true");
        MimeMessage message = message(session, "partly delivered");
        message.setRecipients(Message.RecipientType.TO,
                new InternetAddress[] { new InternetAddress(rejected), new InternetAddress(accepted) });

        SendFailedException failure = assertThrows(SendFailedException.class, () -> Transport.send(message));

        assertEquals(550, returnCode(failure));
        assertEquals("partly delivered", awaitArrival(accepted).getContent());
        assertTrue(received(rejected).isEmpty());
    }

    @Test
    void aLargeMessagePassesThroughUnchanged() throws Exception {
        String to = unique("large");
        // About 1 MB, with lines a naive proxy would take for commands or for the end of the message: the client
        // dot-stuffs the lines starting with ".", and the proxy must pass all of it on as it is.
        List<String> tricky = List.of(".", "..", ". a dot first", "RCPT TO:<" + unique("reject") + ">",
                "RCPT TO:<" + unique("drop") + ">", "DATA", "RSET", "QUIT", "EHLO test", "250 PIPELINING");
        List<String> lines = new ArrayList<>();
        for (int size = 0, line = 0; size < 1024 * 1024; size += lines.getLast().length() + 2, line++) {
            lines.add(line % 50 == 0 ? tricky.get(line / 50 % tricky.size())
                    : ("line " + line + " ").repeat(20).substring(0, 70));
        }
        String body = String.join("\r\n", lines);

        send(to, body);

        assertEquals(body, awaitArrival(to).getContent());
    }

    @Test
    void dropRecipientBreaksTheConnectionAndTheProxyCarriesOn() throws Exception {
        String to = unique("drop");

        MessagingException failure = assertThrows(MessagingException.class, () -> send(to, "never"));
        // The connection closed under Jakarta Mail ("[EOF]" or "Broken pipe", depending on timing): no reply code.
        assertEquals(NO_REPLY, returnCode(failure), failure.toString());
        assertTrue(received(to).isEmpty());

        String after = unique("after-drop");
        send(after, "still working");
        assertEquals("still working", awaitArrival(after).getContent());
    }

    @Test
    void slowRecipientIsHeldThenDelivered() throws Exception {
        String to = unique("slow300");

        long start = System.nanoTime();
        send(to, "took a while");

        assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() >= 300);
        assertEquals("took a while", awaitArrival(to).getContent());
    }

    @Test
    void manyConcurrentConnectionsAllGetThrough() throws Exception {
        List<String> recipients = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            recipients.add(unique(i % 3 == 0 ? "slow100" : "parallel"));
        }
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> sends = new ArrayList<>();
            for (String to : recipients) {
                sends.add(senders.submit(() -> {
                    send(to, "parallel " + to);
                    return null;
                }));
            }
            for (Future<?> send : sends) {
                send.get();
            }
        }
        for (String to : recipients) {
            assertEquals("parallel " + to + "", awaitArrival(to).getContent());
        }
    }

    @Test
    void theEhloReplyThroughTheProxyHasNoPipelining() throws IOException {
        List<String> reply = ehlo(proxy.port());

        assertTrue(reply.size() > 1, "GreenMail announces some extensions: " + reply);
        assertWellFormed(reply);
        assertTrue(reply.stream().noneMatch(line -> line.toUpperCase().contains("PIPELINING")), reply.toString());
    }

    @Test
    void pipeliningChunkingAndStarttlsAreRemovedFromTheEhloReply() throws Exception {
        // GreenMail announces none of the three, so a scripted server does, the last of them on the reply's last line.
        try (ServerSocket fakeServer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread server = Thread.ofVirtual().start(() -> {
                try (Socket connection = fakeServer.accept()) {
                    BufferedReader in = reader(connection);
                    OutputStream out = connection.getOutputStream();
                    out.write(ascii("220 fake ESMTP\r\n"));
                    in.readLine(); // EHLO
                    out.write(ascii("250-fake greets test\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-chunking\r\n"
                            + "250-8BITMIME\r\n250 STARTTLS\r\n"));
                    in.readLine(); // QUIT
                    out.write(ascii("221 bye\r\n"));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            FaultInjectingSmtpProxy ownProxy = new FaultInjectingSmtpProxy(fakeServer.getLocalPort());
            ownProxy.start();
            try {
                assertEquals(List.of("250-fake greets test", "250-SIZE 1000", "250 8BITMIME"), ehlo(ownProxy.port()));
            } finally {
                ownProxy.stop();
            }
            assertTrue(server.join(Duration.ofSeconds(5)));
        }
    }

    @Test
    void stopClosesTheListenerAndTheOpenConnections() throws Exception {
        FaultInjectingSmtpProxy ownProxy = new FaultInjectingSmtpProxy(greenMail.getSmtp().getPort());
        ownProxy.start();
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), ownProxy.port())) {
            client.setSoTimeout(5_000);
            BufferedReader in = reader(client);
            assertTrue(in.readLine().startsWith("220 "));

            ownProxy.stop();

            assertEquals(null, in.readLine(), "the proxy closed the connection");
            assertFalse(FreePort.isListening(ownProxy.port()));
        }
    }

    /** EHLO on a raw connection, as a client sees it: the reply's lines. */
    private static List<String> ehlo(int port) throws IOException {
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
            client.setSoTimeout(5_000);
            BufferedReader in = reader(client);
            OutputStream out = client.getOutputStream();
            assertTrue(in.readLine().startsWith("220"), "greeting");
            out.write(ascii("EHLO test\r\n"));
            out.flush();
            List<String> reply = new ArrayList<>();
            String line;
            do {
                line = in.readLine();
                reply.add(line);
            } while (line.startsWith("250-"));
            out.write(ascii("QUIT\r\n"));
            out.flush();
            assertTrue(in.readLine().startsWith("221"));
            return reply;
        }
    }

    private static void assertWellFormed(List<String> reply) {
        for (int i = 0; i < reply.size() - 1; i++) {
            assertTrue(reply.get(i).startsWith("250-"), reply.toString());
        }
        assertTrue(reply.getLast().startsWith("250 "), reply.toString());
    }

    private static void send(String to, String text) throws MessagingException {
        MimeMessage message = message(session(), text);
        message.setRecipient(Message.RecipientType.TO, new InternetAddress(to));
        Transport.send(message);
    }

    private static Session session() {
        Properties props = new Properties();
        props.put("mail.smtp.host", "127.0.0.1");
        props.put("mail.smtp.port", String.valueOf(proxy.port()));
        props.put("mail.smtp.connectiontimeout", "5000");
        props.put("mail.smtp.timeout", "5000");
        return Session.getInstance(props);
    }

    private static MimeMessage message(Session session, String text) throws MessagingException {
        MimeMessage message = new MimeMessage(session);
        message.setFrom("sender@example.org");
        message.setSubject("Proxy test " + UUID.randomUUID());
        message.setText(text, "US-ASCII");
        return message;
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID() + "@example.org";
    }

    /**
     * What GreenMail delivered to {@code to}'s inbox: by the envelope (RCPT TO), not by the To: header, which also
     * names recipients the proxy refused.
     */
    private static List<MimeMessage> received(String to) throws FolderException {
        GreenMailUser user = greenMail.getUserManager().getUserByEmail(to);
        if (user == null) {
            return List.of(); // GreenMail creates the mailbox on the first delivery
        }
        return greenMail.getManagers().getImapHostManager().getInbox(user).getMessages().stream()
                .map(StoredMessage::getMimeMessage).toList();
    }

    private static MimeMessage awaitArrival(String to) {
        // GreenMail stores a message before it answers the final ".", so it is usually there at the first look.
        return await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20)).atMost(ARRIVAL)
                .until(() -> received(to), list -> !list.isEmpty()).getFirst();
    }

    /** The SMTP reply code for the refused recipient, from the exceptions Jakarta Mail chains; or NO_REPLY. */
    private static int returnCode(MessagingException failure) {
        for (Exception e = failure; e != null; e = e instanceof MessagingException m ? m.getNextException() : null) {
            if (e instanceof SMTPAddressFailedException refused) {
                return refused.getReturnCode();
            }
        }
        return NO_REPLY;
    }

    private static BufferedReader reader(Socket socket) throws IOException {
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}

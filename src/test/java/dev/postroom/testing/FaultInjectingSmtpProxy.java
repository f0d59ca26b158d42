package dev.postroom.testing;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TCP proxy in front of a real SMTP server (GreenMail) that makes the SMTP conversation fail on demand, so tests can
 * see how Postroom copes with transient (4xx) and permanent (5xx) errors while the mail that is accepted still lands in
 * GreenMail.
 *
 * <p>It listens on {@code 127.0.0.1:}{@link #port()}; {@link #config()} points quarkus-mailer at it. Each client
 * connection gets its own connection to the upstream server, and lines pass through unchanged in both directions,
 * except as described below.
 *
 * <h2>Recipient address conventions (the contract tests rely on)</h2>
 *
 * <p>The proxy decides what to do with a {@code RCPT TO:<address>} from the address alone: tests may run in another
 * class loader than the one that started the proxy, so they cannot share any object with it. The local part (before
 * the last {@code @}) is matched by prefix, ignoring case; the domain does not matter. Add something unique (a UUID)
 * after the prefix so that tests do not share counters or mailboxes.
 * <ul>
 * <li>{@code tempfail<N>-...}, e.g. {@code tempfail2-7c1e...@example.org}: the first N {@code RCPT} attempts for this
 * exact address, counted across all connections for as long as the proxy runs, are answered by the proxy with
 * {@code 451 4.3.0 Temporary failure injected by the test proxy}; later attempts are forwarded normally, so the mail
 * arrives once the sender has retried N times.</li>
 * <li>{@code reject-...}: always answered with {@code 550 5.1.1 Mailbox unavailable (injected by the test proxy)};
 * such mail never arrives.</li>
 * <li>{@code slow<MS>-...}, e.g. {@code slow2000-...}: forwarded after a pause of MS milliseconds, which holds the
 * message "in flight".</li>
 * <li>{@code drop-...}: the proxy closes both connections at once, without any reply: a connection error in the middle
 * of a transaction.</li>
 * <li>anything else: forwarded.</li>
 * </ul>
 * A {@code RCPT} the proxy answers itself is not forwarded: the upstream server never sees it. Everything the client
 * sends afterwards ({@code RSET}, {@code QUIT}, another {@code RCPT}, {@code DATA}, ...) is forwarded again, which
 * keeps both ends consistent: to the upstream server it simply looks like a transaction that had fewer recipients.
 *
 * <h2>Other changes to the conversation</h2>
 * <ul>
 * <li>The {@code EHLO} reply loses its {@code PIPELINING}, {@code CHUNKING} and {@code STARTTLS} lines. Without
 * PIPELINING the client sends one command at a time and waits for its reply, which is what lets the proxy answer a
 * single {@code RCPT}; without CHUNKING the message comes with {@code DATA}, whose end the proxy can see; without
 * STARTTLS the conversation stays in plain text the proxy can read. There is no TLS.</li>
 * <li>After {@code DATA} has been accepted ({@code 354}), the message is forwarded as raw lines, never read as
 * commands, up to the line holding a single {@code .}.</li>
 * </ul>
 */
public final class FaultInjectingSmtpProxy implements EmbeddedServer {

    private static final System.Logger LOG = System.getLogger(FaultInjectingSmtpProxy.class.getName());

    private static final String HOST = "127.0.0.1";
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    private static final Duration STOP_WAIT = Duration.ofSeconds(2);

    private static final byte[] TEMPFAIL_REPLY = ascii("451 4.3.0 Temporary failure injected by the test proxy\r\n");
    private static final byte[] REJECT_REPLY = ascii("550 5.1.1 Mailbox unavailable (injected by the test proxy)\r\n");

    /** Prefixes of the local part, matched on its lower-case form. At most 9 digits, so the number fits an int. */
    private static final Pattern TEMPFAIL = Pattern.compile("tempfail(\\d{1,9})-");
    private static final Pattern SLOW = Pattern.compile("slow(\\d{1,9})-");
    private static final String REJECT = "reject-";
    private static final String DROP = "drop-";

    private static final Set<String> HIDDEN_CAPABILITIES = Set.of("PIPELINING", "CHUNKING", "STARTTLS");

    private final int port = FreePort.find();
    private final int upstreamPort;

    /** {@code RCPT} attempts per {@code tempfail<N>-} address, over all connections. */
    private final Map<String, Integer> rcptAttempts = new ConcurrentHashMap<>();
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connectionIds = new AtomicInteger();

    private volatile boolean stopped;
    private ServerSocket serverSocket;
    private Thread acceptor;

    /** A proxy in front of the SMTP server listening on {@code 127.0.0.1:upstreamSmtpPort}. */
    public FaultInjectingSmtpProxy(int upstreamSmtpPort) {
        this.upstreamPort = upstreamSmtpPort;
    }

    @Override
    public String name() {
        return "SMTP fault proxy";
    }

    @Override
    public synchronized void start() throws IOException {
        if (serverSocket != null) {
            throw new IllegalStateException(name() + " is already running on port " + port);
        }
        stopped = false;
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        // A generous backlog: the app opens several pooled SMTP connections at once.
        socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port), 200);
        serverSocket = socket;
        acceptor = Thread.ofVirtual().name("smtp-fault-proxy-accept").start(() -> acceptConnections(socket));
    }

    @Override
    public synchronized void stop() {
        if (serverSocket == null) {
            return;
        }
        stopped = true;
        closeQuietly(serverSocket);
        // Once the acceptor has ended no connection can be added any more, so the loop below sees them all.
        join(acceptor);
        for (Connection connection : List.copyOf(connections)) {
            connection.abort();
        }
        serverSocket = null;
        acceptor = null;
    }

    public int port() {
        return port;
    }

    @Override
    public Map<String, String> config() {
        return Map.of("quarkus.mailer.host", HOST, "quarkus.mailer.port", String.valueOf(port));
    }

    private void acceptConnections(ServerSocket socket) {
        while (!stopped) {
            Socket client;
            try {
                client = socket.accept();
            } catch (IOException e) {
                if (!stopped) {
                    LOG.log(System.Logger.Level.WARNING, "SMTP fault proxy stopped accepting connections", e);
                }
                return;
            }
            // Registered here, not in the connection's own thread, so that stop() never misses one.
            Connection connection = new Connection(connectionIds.incrementAndGet(), client);
            connections.add(connection);
            connection.start();
        }
    }

    /** What the proxy does with one {@code RCPT}. */
    private enum Outcome { FORWARD, ANSWERED, DROPPED }

    /** One client connection and its connection to the upstream server, relayed by one virtual thread per direction. */
    private final class Connection {

        private final int id;
        private final Socket client;
        /** Guarded by this, like closed: close() may come from any thread, even while the connect is under way. */
        private Socket upstream;
        private boolean closed;

        private volatile Thread clientToUpstream;
        private volatile Thread upstreamToClient;

        /** Written by the client thread only. */
        private OutputStream toUpstream;
        /** Written by both threads: upstream's replies and the proxy's own. Guarded by itself. */
        private OutputStream toClient;

        /** Set by the client thread before it forwards EHLO, so the reply thread knows which reply to filter. */
        private volatile boolean ehloReplyExpected;
        /**
         * Set by the reply thread before it passes on the {@code 354}, so the client thread knows the lines that follow
         * are message content; cleared by the client thread at the final {@code .}.
         */
        private volatile boolean inData;

        Connection(int id, Socket client) {
            this.id = id;
            this.client = client;
        }

        void start() {
            clientToUpstream = Thread.ofVirtual().name("smtp-fault-proxy-" + id + "-client").start(this::run);
        }

        private void run() {
            try {
                Socket socket = new Socket();
                synchronized (this) {
                    if (closed) {
                        return;
                    }
                    // Known before connecting, so that close() also aborts a connect in progress.
                    upstream = socket;
                }
                try {
                    socket.connect(new InetSocketAddress(HOST, upstreamPort), CONNECT_TIMEOUT_MILLIS);
                } catch (IOException e) {
                    if (!isClosed()) {
                        LOG.log(System.Logger.Level.WARNING,
                                "SMTP fault proxy cannot reach the upstream SMTP server on port " + upstreamPort, e);
                    }
                    throw e;
                }
                // Commands and replies are small and answered one at a time: Nagle would delay each by up to 40 ms.
                socket.setTcpNoDelay(true);
                client.setTcpNoDelay(true);
                toUpstream = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
                toClient = new BufferedOutputStream(client.getOutputStream(), 16 * 1024);
                LineReader fromUpstream = new LineReader(socket.getInputStream());
                upstreamToClient = Thread.ofVirtual().name("smtp-fault-proxy-" + id + "-upstream")
                        .start(() -> relayReplies(fromUpstream));
                relayCommands(new LineReader(client.getInputStream()));
            } catch (IOException | InterruptedException | RuntimeException e) {
                // Mostly a socket closed by the other direction, by a drop- address or by stop(): nothing to report.
                LOG.log(System.Logger.Level.DEBUG, "SMTP fault proxy connection " + id + " ended", e);
                close();
            }
        }

        /** Client to upstream: commands, with the recipient faults applied, and message content verbatim. */
        private void relayCommands(LineReader fromClient) throws IOException, InterruptedException {
            boolean atLineStart = true;
            byte[] line;
            while ((line = fromClient.readLine()) != null) {
                boolean wholeLine = line[line.length - 1] == '\n';
                if (inData) {
                    // Message content: anything may be in it, even lines that look like commands.
                    if (atLineStart && isEndOfData(line)) {
                        inData = false;
                    }
                } else if (wholeLine) {
                    String command = new String(line, StandardCharsets.ISO_8859_1);
                    if (isVerb(command, "EHLO")) {
                        // Before forwarding: the reply may arrive before this thread gets to run again.
                        ehloReplyExpected = true;
                    }
                    String recipient = recipientOf(command);
                    if (recipient != null) {
                        Outcome outcome = applyFault(recipient);
                        if (outcome == Outcome.DROPPED) {
                            return;
                        }
                        if (outcome == Outcome.ANSWERED) {
                            atLineStart = true;
                            continue;
                        }
                    }
                }
                toUpstream.write(line);
                // Flush only when no more input is waiting: a large message goes out in big writes, yet nothing is
                // ever held back while this thread waits for the client.
                if (!fromClient.hasBuffered()) {
                    toUpstream.flush();
                }
                atLineStart = wholeLine;
            }
            // The client hung up. Tell upstream, but let it answer what it got (a QUIT) and close on its own; the reply
            // thread then closes everything.
            upstream.shutdownOutput();
        }

        /** Upstream to client: replies, with the EHLO capabilities filtered. */
        private void relayReplies(LineReader fromUpstream) {
            try {
                List<byte[]> ehloReply = null;
                boolean replyStart = true;
                byte[] line;
                while ((line = fromUpstream.readLine()) != null) {
                    boolean lastLineOfReply = isLastLineOfReply(line);
                    if (replyStart && ehloReplyExpected) {
                        ehloReply = new ArrayList<>();
                    }
                    replyStart = lastLineOfReply;
                    if (ehloReply != null) {
                        // The capabilities can only be filtered once the whole reply is known: the new last line
                        // needs "250 " instead of "250-".
                        ehloReply.add(line);
                        if (lastLineOfReply) {
                            ehloReplyExpected = false;
                            sendToClient(withoutHiddenCapabilities(ehloReply), true);
                            ehloReply = null;
                        }
                        continue;
                    }
                    if (lastLineOfReply && startsWith(line, "354")) {
                        // Before the client sees it: its next line is already message content.
                        inData = true;
                    }
                    sendToClient(List.of(line), !fromUpstream.hasBuffered());
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "SMTP fault proxy connection " + id + " ended", e);
            }
            // Upstream has closed (after QUIT, or it gave up): nothing more can happen on this connection.
            close();
        }

        /** Applies the fault the recipient address asks for (see the class comment). */
        private Outcome applyFault(String recipient) throws IOException, InterruptedException {
            String localPart = localPart(recipient).toLowerCase(Locale.ROOT);
            Matcher tempfail = TEMPFAIL.matcher(localPart);
            if (tempfail.lookingAt()) {
                int attempt = rcptAttempts.merge(recipient, 1, Integer::sum);
                if (attempt <= Integer.parseInt(tempfail.group(1))) {
                    answer(TEMPFAIL_REPLY);
                    return Outcome.ANSWERED;
                }
                return Outcome.FORWARD;
            }
            if (localPart.startsWith(REJECT)) {
                answer(REJECT_REPLY);
                return Outcome.ANSWERED;
            }
            Matcher slow = SLOW.matcher(localPart);
            if (slow.lookingAt()) {
                toUpstream.flush();
                Thread.sleep(Long.parseLong(slow.group(1)));
                return Outcome.FORWARD;
            }
            if (localPart.startsWith(DROP)) {
                close();
                return Outcome.DROPPED;
            }
            return Outcome.FORWARD;
        }

        /** A reply from the proxy itself, in place of upstream's. */
        private void answer(byte[] reply) throws IOException {
            toUpstream.flush();
            sendToClient(List.of(reply), true);
        }

        private void sendToClient(List<byte[]> lines, boolean flush) throws IOException {
            synchronized (toClient) {
                for (byte[] line : lines) {
                    toClient.write(line);
                }
                if (flush) {
                    toClient.flush();
                }
            }
        }

        private synchronized boolean isClosed() {
            return closed;
        }

        void close() {
            Socket upstreamSocket;
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                upstreamSocket = upstream;
            }
            closeQuietly(client);
            if (upstreamSocket != null) {
                closeQuietly(upstreamSocket);
            }
            connections.remove(this);
        }

        /** For stop(): closes the sockets, wakes a thread sleeping for a slow- address, and waits for both threads. */
        void abort() {
            close();
            for (Thread thread : new Thread[] { clientToUpstream, upstreamToClient }) {
                if (thread != null) {
                    thread.interrupt();
                    join(thread);
                }
            }
        }
    }

    /**
     * Reads lines as raw bytes, line terminator included, so that forwarding them changes nothing (a Reader would
     * decode and could alter 8-bit content). A line longer than the buffer comes in pieces.
     */
    private static final class LineReader {

        private final InputStream in;
        private final byte[] buffer = new byte[64 * 1024];
        private int start;
        private int end;

        LineReader(InputStream in) {
            this.in = in;
        }

        /** The next line up to and including its LF (or a piece of a very long line); null at the end of the stream. */
        byte[] readLine() throws IOException {
            int scanned = start;
            while (true) {
                for (int i = scanned; i < end; i++) {
                    if (buffer[i] == '\n') {
                        return take(i + 1);
                    }
                }
                if (start > 0) {
                    System.arraycopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }
                if (end == buffer.length) {
                    return take(end);
                }
                scanned = end;
                int read = in.read(buffer, end, buffer.length - end);
                if (read < 0) {
                    return end > start ? take(end) : null;
                }
                end += read;
            }
        }

        /** Whether more input is already here, i.e. the next readLine() may not have to wait. */
        boolean hasBuffered() {
            return start < end;
        }

        private byte[] take(int upTo) {
            byte[] line = Arrays.copyOfRange(buffer, start, upTo);
            start = upTo;
            return line;
        }
    }

    /** The EHLO reply without the hidden capabilities, its continuation marks ("250-" / "250 ") set anew. */
    private static List<byte[]> withoutHiddenCapabilities(List<byte[]> reply) {
        if (!startsWith(reply.getFirst(), "250")) {
            return reply; // EHLO refused: no capabilities to hide
        }
        List<byte[]> kept = new ArrayList<>();
        for (int i = 0; i < reply.size(); i++) {
            byte[] line = reply.get(i);
            // The first line is the server's greeting, not a capability.
            if (i == 0 || !HIDDEN_CAPABILITIES.contains(capability(line))) {
                kept.add(line.clone());
            }
        }
        for (int i = 0; i < kept.size(); i++) {
            byte[] line = kept.get(i);
            if (line.length > 3 && (line[3] == '-' || line[3] == ' ')) {
                line[3] = (byte) (i == kept.size() - 1 ? ' ' : '-');
            }
        }
        return kept;
    }

    /** The keyword of a capability line such as "250-SIZE 10240000", upper case. */
    private static String capability(byte[] line) {
        if (line.length <= 4) {
            return "";
        }
        String text = new String(line, 4, line.length - 4, StandardCharsets.ISO_8859_1).strip();
        int space = text.indexOf(' ');
        return (space < 0 ? text : text.substring(0, space)).toUpperCase(Locale.ROOT);
    }

    /** "250-..." continues a reply; "250 ..." (or a bare "250") ends it. */
    private static boolean isLastLineOfReply(byte[] line) {
        return line.length < 4 || line[3] != '-';
    }

    private static boolean isEndOfData(byte[] line) {
        return line.length == 3 && line[0] == '.' && line[1] == '\r' && line[2] == '\n';
    }

    private static boolean isVerb(String command, String verb) {
        return command.regionMatches(true, 0, verb, 0, verb.length())
                && (command.length() == verb.length() || Character.isWhitespace(command.charAt(verb.length())));
    }

    /** The address of a {@code RCPT TO:<address> [parameters]} command, or null for any other command. */
    private static String recipientOf(String command) {
        String prefix = "RCPT TO:";
        if (!command.regionMatches(true, 0, prefix, 0, prefix.length())) {
            return null;
        }
        String path = command.substring(prefix.length()).strip();
        if (path.startsWith("<")) {
            int close = path.indexOf('>');
            return close < 0 ? path.substring(1) : path.substring(1, close);
        }
        int space = path.indexOf(' ');
        return space < 0 ? path : path.substring(0, space);
    }

    private static String localPart(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? address : address.substring(0, at);
    }

    private static boolean startsWith(byte[] line, String prefix) {
        return line.length >= prefix.length()
                && new String(line, 0, prefix.length(), StandardCharsets.ISO_8859_1).equals(prefix);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static void join(Thread thread) {
        try {
            if (!thread.join(STOP_WAIT)) {
                LOG.log(System.Logger.Level.WARNING, thread.getName() + " did not end within " + STOP_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // Closing is all that is left to do with it.
        }
    }
}

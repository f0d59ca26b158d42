package dev.postroom.bench;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads a simulated mailbox's folders through the message delta over HTTP and throws the pages away: how fast the
 * simulator (in this JVM) serves what the sync reads, with as little client work as possible (no JSON parsing: the
 * next link is cut out of the text). Same {@code $select} and page size as the engine, the same number of folders at
 * once. Signs in by the authorization code flow with PKCE against the simulator, like any client.
 */
final class GraphFetcher {

    /** The engine's message {@code $select} (GraphMailbox.MESSAGE_SELECT). */
    static final String MESSAGE_SELECT = "subject,from,toRecipients,ccRecipients,receivedDateTime,sentDateTime,isRead,"
            + "flag,importance,categories,hasAttachments,bodyPreview,conversationId,internetMessageId,"
            + "lastModifiedDateTime,parentFolderId";

    record Result(double seconds, long pages, long bytes) {
    }

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String token;

    GraphFetcher(String publicUrl, String address) throws IOException, InterruptedException {
        this.base = publicUrl.replaceAll("/+$", "");
        this.token = signIn(address);
    }

    private String signIn(String address) throws IOException, InterruptedException {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String verifier = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        String challenge;
        try {
            challenge = Base64.getUrlEncoder().withoutPadding().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        String redirect = "http://localhost/bench-callback";
        String login = base + "/simulator/login/common/oauth2/v2.0/";
        URI authorize = URI.create(login + "authorize?client_id=bench&response_type=code&response_mode=query&state=s"
                + "&redirect_uri=" + enc(redirect) + "&scope=" + enc("offline_access Mail.ReadWrite")
                + "&code_challenge=" + challenge + "&code_challenge_method=S256&login_hint=" + enc(address));
        HttpResponse<String> consent = http.send(HttpRequest.newBuilder(authorize).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        String location = consent.headers().firstValue("Location").orElseThrow(() ->
                new IllegalStateException("no consent redirect: " + consent.statusCode() + " " + consent.body()));
        String code = query(location, "code");
        String form = "grant_type=authorization_code&client_id=bench&code=" + enc(code) + "&redirect_uri=" + enc(redirect)
                + "&code_verifier=" + enc(verifier);
        HttpResponse<String> tokens = http.send(HttpRequest.newBuilder(URI.create(login + "token"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                HttpResponse.BodyHandlers.ofString());
        return between(tokens.body(), "\"access_token\":\"", "\"");
    }

    /** Pages through every folder's delta, {@code parallel} folders at a time, in the order given. */
    Result readAll(List<String> folderIds, int pageSize, int parallel) throws Exception {
        ConcurrentLinkedQueue<String> queue = new ConcurrentLinkedQueue<>(folderIds);
        AtomicLong pages = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        long start = System.nanoTime();
        List<Future<?>> workers = new ArrayList<>();
        for (int i = 0; i < parallel; i++) {
            workers.add(pool.submit(() -> {
                String folder;
                while ((folder = queue.poll()) != null) {
                    String link = base + "/simulator/graph/v1.0/me/mailFolders/" + folder + "/messages/delta?$select="
                            + MESSAGE_SELECT;
                    while (link != null) {
                        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(link))
                                        .header("Authorization", "Bearer " + token)
                                        .header("Prefer", "IdType=\"ImmutableId\", odata.maxpagesize=" + pageSize)
                                        .timeout(Duration.ofSeconds(60)).GET().build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (page.statusCode() != 200) {
                            throw new IllegalStateException("delta page: " + page.statusCode() + " " + page.body());
                        }
                        pages.incrementAndGet();
                        bytes.addAndGet(page.body().length());
                        String body = page.body();
                        int next = body.indexOf("\"@odata.nextLink\":\"");
                        link = next < 0 ? null : between(body.substring(next), "\"@odata.nextLink\":\"", "\"");
                    }
                }
                return null;
            }));
        }
        for (Future<?> worker : workers) {
            worker.get();
        }
        pool.shutdown();
        return new Result((System.nanoTime() - start) / 1e9, pages.get(), bytes.get());
    }

    private static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String query(String uri, String name) {
        String query = URI.create(uri).getRawQuery();
        for (String pair : query.split("&")) {
            if (pair.startsWith(name + "=")) {
                return java.net.URLDecoder.decode(pair.substring(name.length() + 1), StandardCharsets.UTF_8);
            }
        }
        throw new IllegalStateException("no " + name + " in " + uri);
    }

    private static String between(String text, String from, String to) {
        int start = text.indexOf(from);
        if (start < 0) {
            throw new IllegalStateException("no " + from + " in " + (text.length() > 300 ? text.substring(0, 300) : text));
        }
        start += from.length();
        return text.substring(start, text.indexOf(to, start)).replace("\\/", "/");
    }
}

package dev.postroom.web;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the Postman collection at the top of the repository ({@code collection.json}) with newman against the test
 * app, so the collection users import keeps working as the API changes. newman comes from {@code src/test/postman}
 * ({@code npm ci} there; the build does it when npm is on the PATH); without it the test is skipped.
 */
@QuarkusTest
class PostmanCollectionTest {

    /** A key of the test profile (application.properties); its rate limit is far above what the collection sends. */
    private static final String API_KEY = "test-key-alice-0123456789";
    private static final long TIMEOUT_SECONDS = 120;

    private static final Path PROJECT = Path.of("").toAbsolutePath();
    private static final Path COLLECTION = PROJECT.resolve("collection.json");
    private static final Path NEWMAN = PROJECT.resolve("src/test/postman/node_modules/.bin/newman");

    @TestHTTPResource("/")
    URL url;

    @Test
    void collectionPassesAgainstTheRunningApp() throws IOException, InterruptedException {
        assertTrue(Files.isRegularFile(COLLECTION), "no Postman collection at " + COLLECTION);
        if (!Files.isExecutable(NEWMAN)) {
            Assumptions.abort("newman is not installed at " + NEWMAN + ": install it with "
                    + "`cd src/test/postman && npm ci` (the build does so by itself when npm is on the PATH)");
        }
        String baseUrl = url.toString().replaceAll("/+$", "");
        Path output = PROJECT.resolve("target/postman/newman-output.txt");
        Files.createDirectories(output.getParent());

        ProcessBuilder command = new ProcessBuilder(List.of(NEWMAN.toString(), "run", COLLECTION.toString(),
                "--env-var", "baseUrl=" + baseUrl,
                "--env-var", "apiKey=" + API_KEY,
                "--reporters", "cli",
                "--color", "off",
                "--disable-unicode",
                "--timeout-request", "30000"))
                .directory(PROJECT.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        // --color off leaves the failure table coloured (cli-table3 has its own colours); these turn it off too.
        command.environment().put("FORCE_COLOR", "0");
        command.environment().put("NO_COLOR", "1");
        Process newman = command.start();
        boolean finished = newman.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!finished) {
            newman.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String log = Files.readString(output, StandardCharsets.UTF_8);
        System.out.println("newman run collection.json against " + baseUrl + ":\n" + log);

        assertTrue(finished, "newman did not finish within " + TIMEOUT_SECONDS + " s; its output so far:\n" + log);
        assertEquals(0, newman.exitValue(), "the Postman collection failed against " + baseUrl + "; newman said:\n" + log);
    }
}

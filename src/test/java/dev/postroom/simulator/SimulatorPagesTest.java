package dev.postroom.simulator;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import static dev.postroom.simulator.Sim.uniqueAddress;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The mailbox pages render, and their forms change the mailbox and redirect back. */
@QuarkusTest
class SimulatorPagesTest {

    @Inject
    OutlookSimulator simulator;

    @Test
    void theMailboxPageShowsFoldersAndMessagesAndItsFormsAct() {
        String address = uniqueAddress("page");
        simulator.createMailbox(address, "Page Person", false);
        SimMessage message = simulator.newMail(address, "Look at me", "Ada <ada@example.org>");
        String base = "/simulator/mailboxes/" + address;

        given().get("/simulator/mailboxes").then().statusCode(200).body(containsString("data-mailbox=\"" + address + "\""));
        given().get(base).then().statusCode(200)
                .body(containsString("data-message-id=\"" + message.id() + "\""))
                .body(containsString("Look at me"))
                .body(containsString("data-folder-name=\"Inbox\""));

        given().redirects().follow(false).contentType("application/x-www-form-urlencoded").formParam("read", "true")
                .post(base + "/messages/" + message.id() + "/read").then().statusCode(303)
                .header("Location", containsString("/simulator/mailboxes/"));
        assertTrue(simulator.message(address, message.id()).isRead());

        given().redirects().follow(false).contentType("application/x-www-form-urlencoded").formParam("flagStatus", "flagged")
                .post(base + "/messages/" + message.id() + "/flag").then().statusCode(303);
        assertTrue(simulator.message(address, message.id()).isFlagged());

        given().redirects().follow(false).contentType("application/x-www-form-urlencoded")
                .formParam("destination", simulator.folderId(address, "archive"))
                .post(base + "/messages/" + message.id() + "/move").then().statusCode(303);
        assertEquals(simulator.folderId(address, "archive"), simulator.message(address, message.id()).parentFolderId());

        given().redirects().follow(false).contentType("application/x-www-form-urlencoded")
                .post(base + "/messages/" + message.id() + "/delete").then().statusCode(303);
        assertThrows(GraphException.class, () -> simulator.message(address, message.id()));

        given().redirects().follow(false).contentType("application/x-www-form-urlencoded")
                .formParam("subject", "Typed in").formParam("from", "Bob <bob@example.org>")
                .post(base + "/messages").then().statusCode(303);
        assertEquals("Typed in", simulator.messagesIn(address, "inbox").get(0).subject());

        given().redirects().follow(false).contentType("application/x-www-form-urlencoded")
                .formParam("count", "50").formParam("seed", "3")
                .post(base + "/generate").then().statusCode(303);
        assertEquals(51, simulator.messageCount(address));
        given().get(base + "?folder=archive").then().statusCode(200).body(containsString("data-folder-id"));

        given().get("/simulator/mailboxes/nobody@nowhere.example").then().statusCode(404);
    }

    @Test
    void generatingIsDeterministicAndFast() {
        String first = uniqueAddress("gen");
        String second = uniqueAddress("gen");
        simulator.createMailbox(first, "Gen", false);
        simulator.createMailbox(second, "Gen", false);
        long start = System.nanoTime();
        simulator.generateMessages(first, 100_000, 42);
        long millis = (System.nanoTime() - start) / 1_000_000;
        simulator.generateMessages(second, 1_000, 42);
        assertEquals(100_000, simulator.messageCount(first));
        assertTrue(millis < 5_000, "100,000 messages in " + millis + " ms");
        var a = simulator.snapshot(first).messages().stream().sorted(java.util.Comparator.comparing(SimMessage::receivedDateTime).reversed()).limit(1000).toList();
        var b = simulator.snapshot(second).messages().stream().sorted(java.util.Comparator.comparing(SimMessage::receivedDateTime).reversed()).toList();
        for (int i = 0; i < b.size(); i++) {
            assertEquals(b.get(i).subject(), a.get(i).subject());
            assertEquals(b.get(i).receivedDateTime(), a.get(i).receivedDateTime());
        }
        assertFalse(simulator.messagesIn(first, simulator.folderId(first, "inbox")).isEmpty());
        assertTrue(simulator.folders(first).stream().anyMatch(f -> f.displayName().equals("Projects")));
        simulator.deleteMailbox(first);
        simulator.deleteMailbox(second);
        assertTrue(simulator.mailbox(first).isEmpty());
    }
}

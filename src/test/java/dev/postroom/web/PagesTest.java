package dev.postroom.web;

import dev.postroom.testing.QuietMailboxes;
import dev.postroom.testing.TestUsers;
import dev.postroom.testing.TestUsers.User;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** The pages over HTTP, without a browser: who may see what, forms, fragments, and the offline assets. */
@QuarkusTest
class PagesTest {

    @TestHTTPResource("/")
    URI base;

    @Inject
    Pool pool;

    private static RequestSpecification form() {
        return given().redirects().follow(false).contentType("application/x-www-form-urlencoded")
                .header("X-Forwarded-For", "198.18.210." + (int) (Math.random() * 250 + 1));
    }

    private static RequestSpecification signedIn(User user) {
        return given().redirects().follow(false).cookie(TestUsers.SESSION_COOKIE, user.sessionCookie());
    }

    @Test
    void signUpShowsTheApiKeyOnceAndSignsIn() {
        String email = TestUsers.uniqueEmail("page-signup");
        ExtractableResponse<Response> created = form().formParam("email", email).formParam("password", TestUsers.PASSWORD)
                .post("/signup").then().statusCode(200)
                .body(containsString(email)).body(containsString("id=\"api-key\"")).extract();
        String cookie = created.cookie(TestUsers.SESSION_COOKIE);
        assertNotNull(cookie);
        given().cookie(TestUsers.SESSION_COOKIE, cookie).get("/console").then().statusCode(200)
                .body(containsString("id=\"send-form\"")).body(containsString(email));
    }

    @Test
    void badSignUpsAndSignInsShowTheFormAgainWithTheProblem() {
        form().formParam("email", "not-an-address").formParam("password", "short").post("/signup")
                .then().statusCode(400).body(containsString("form-errors"));
        User user = TestUsers.signUp("page-badpw");
        form().formParam("email", user.email()).formParam("password", "wrong password!").post("/signin")
                .then().statusCode(401).body(containsString("form-errors")).body(containsString(user.email()));
    }

    @Test
    void signInGoesBackToThePageAskedForButNeverToAnotherSite() {
        User user = TestUsers.signUp("page-signin");
        form().formParam("email", user.email()).formParam("password", TestUsers.PASSWORD).formParam("next", "/console")
                .post("/signin").then().statusCode(303).header("Location", endsWith("/console"));
        form().formParam("email", user.email()).formParam("password", TestUsers.PASSWORD)
                .formParam("next", "https://evil.example/steal").post("/signin")
                .then().statusCode(303).header("Location", endsWith("/mailboxes"));
    }

    @Test
    void pagesSendStrangersToSignIn() {
        given().redirects().follow(false).get("/mailboxes").then().statusCode(303)
                .header("Location", containsString("/signin?next=%2Fmailboxes"));
        given().redirects().follow(false).get("/console").then().statusCode(303);
        given().redirects().follow(false).cookie(TestUsers.SESSION_COOKIE, "made-up").get("/console").then().statusCode(303);
    }

    @Test
    void nobodySeesAnotherUsersMailbox() {
        User other = TestUsers.signUp("page-other");
        signedIn(other).get("/mailboxes/" + UUID.randomUUID()).then().statusCode(404).body(containsString("No such mailbox"));
        signedIn(other).get("/mailboxes/" + UUID.randomUUID() + "/messages").then().statusCode(404);
        signedIn(other).get("/mailboxes").then().statusCode(200).body(containsString("id=\"no-mailboxes\""));
    }

    @Test
    void aPagePastTheSearchWindowShowsAndNamesTheLastReachablePage() {
        User user = TestUsers.signUp("page-window");
        UUID mailbox = QuietMailboxes.insert(pool, user.id(), "page-window@example.org");
        signedIn(user).get("/mailboxes/" + mailbox + "/messages?page=500").then().statusCode(200)
                .body(containsString("data-page=\"100\"")).body(containsString("Page 100 of"))
                .body(not(containsString("rel=\"next\"")));
    }

    @Test
    void formsThatChangeSomethingMustComeFromOurPages() {
        User user = TestUsers.signUp("page-csrf");
        signedIn(user).header("Origin", "https://evil.example").post("/signout").then().statusCode(403);
        signedIn(user).header("Origin", "https://evil.example").post("/mailboxes/connect").then().statusCode(403);
        signedIn(user).get("/console").then().statusCode(200); // still signed in

        String ours = base.getScheme() + "://" + base.getRawAuthority();
        signedIn(user).header("Origin", ours).post("/mailboxes/connect").then().statusCode(303)
                .header("Location", containsString("/simulator/login/"));
        signedIn(user).header("Origin", ours).post("/signout").then().statusCode(303);
        signedIn(user).get("/console").then().statusCode(303); // the session is over
    }

    @Test
    void theConsoleSummaryIsAFragment() {
        User user = TestUsers.signUp("page-summary");
        signedIn(user).get("/console/summary").then().statusCode(200)
                .body(containsString("id=\"summary\"")).body(not(containsString("<html")));
    }

    @Test
    void htmxAndThePagesOwnFilesAreServedFromTheApp() {
        assertEquals(200, given().get("/webjars/htmx.org/2.0.8/dist/htmx.min.js").statusCode());
        given().get("/static/pages.js").then().statusCode(200).body(containsString("EventSource"));
        given().get("/static/pages.css").then().statusCode(200);
        given().get("/").then().statusCode(200).body(containsString("/webjars/htmx.org/2.0.8/dist/htmx.min.js"))
                .body(not(containsString("https://unpkg"))).body(not(containsString("cdn.")));
    }
}

package dev.postroom.account;

import dev.postroom.mail.Secret;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The small rules of linking, without a server: PKCE, where the browser may go, and how it gets there. */
class LinkingRulesTest {

    @Test
    void pkceChallengeIsS256OfTheVerifier() {
        // RFC 7636, appendix B.
        assertEquals("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                OAuthStates.challenge(Secret.of("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")));
    }

    @Test
    void returnToAllowsPathsAndAllowedOriginsOnly() {
        ReturnToPolicy policy = new ReturnToPolicy("http://localhost:8080",
                Optional.of(List.of("http://localhost:8080/", "https://app.example.org/")));

        assertNull(policy.check(null));
        assertNull(policy.check(" "));
        assertEquals("/inbox?tab=1", policy.check("/inbox?tab=1"));
        assertEquals("http://localhost:8080/x", policy.check("http://localhost:8080/x"));
        assertEquals("https://app.example.org/welcome", policy.check("https://app.example.org/welcome"));
        assertEquals("/", new ReturnToPolicy("http://localhost:8080", Optional.empty()).check("/"));
        assertEquals("http://localhost:8080/a", new ReturnToPolicy("http://localhost:8080", Optional.empty())
                .check("http://localhost:8080/a"));
        for (String refused : List.of("//evil.example/x", "https://evil.example/", "http://app.example.org/",
                "javascript:alert(1)", "/\\evil.example", "https://app.example.org@evil.example/",
                "https://user@app.example.org/", "inbox", "/a\r\nLocation: x", "http://localhost:8081/",
                "https://app.example.org.evil.example/", "ftp://app.example.org/")) {
            assertThrows(InvalidReturnToException.class, () -> policy.check(refused), refused);
        }
    }

    @Test
    void redirectAddsTheLinkedMailboxBeforeAnyFragment() {
        UUID id = UUID.fromString("00000000-0000-0000-0000-000000000001");
        assertEquals("/?linked=" + id, OutlookLinking.redirect(null, id));
        assertEquals("/inbox?linked=" + id, OutlookLinking.redirect("/inbox", id));
        assertEquals("/inbox?tab=2&linked=" + id + "#top", OutlookLinking.redirect("/inbox?tab=2#top", id));
    }
}

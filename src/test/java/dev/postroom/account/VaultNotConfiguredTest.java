package dev.postroom.account;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.postroom.account.LinkApi.as;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

/** As in production without POSTROOM_TOKEN_VAULT_KEYS: no default key, linking is refused with a clear 503. */
@QuarkusTest
@TestProfile(VaultNotConfiguredTest.WithoutVaultKeys.class)
class VaultNotConfiguredTest {

    public static class WithoutVaultKeys implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("postroom.token-vault.keys", "");
        }
    }

    @Test
    void linkingAnswers503NamingTheSettingAndSignUpStillWorks() {
        String key = LinkApi.fromNewClient()
                .body(Map.of("email", LinkApi.unique("novault"), "password", "correct horse battery staple"))
                .post("/api/accounts").then().statusCode(201)
                .body("authorizationUrl", nullValue())
                .extract().path("apiKey.key");
        LinkApi.User user = new LinkApi.User(null, null, key);

        as(user).body(Map.of()).post("/api/mailboxes/outlook").then().statusCode(503)
                .contentType("application/problem+json")
                .body("detail", is("token vault not configured: set POSTROOM_TOKEN_VAULT_KEYS"));
    }
}

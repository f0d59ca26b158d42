package dev.postroom.provider.graph;

import dev.postroom.provider.Advice;
import dev.postroom.provider.AuthorizationFailedException;
import dev.postroom.provider.ProviderUnavailableException;
import io.quarkus.oidc.client.OidcClientException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a person is told for the identity platform's errors, and how token endpoint failures are read. */
class IdentityPlatformAdviceTest {

    private static final String REDIRECT = "https://postroom.example.org/oauth/outlook/callback";

    @Test
    void personalAccountIntoSingleTenantAppExplainsTheRegistrationFix() {
        Advice advice = IdentityPlatformAdvice.explain("invalid_request",
                "AADSTS50020: User account 'jane@outlook.com' from identity provider 'live.com' does not exist in "
                        + "tenant 'Contoso' and cannot access the application.\r\nTrace ID: 1", REDIRECT);

        assertEquals("AADSTS50020", advice.code());
        assertTrue(advice.whatToDo().contains("Accounts in any organizational directory and personal Microsoft accounts"));
        assertTrue(advice.whatToDo().contains("common"));
    }

    @Test
    void pkceMismatchDeclinedConsentAndRedirectMismatchEachGetTheirOwnAdvice() {
        assertTrue(IdentityPlatformAdvice.explain("invalid_grant",
                "AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.",
                REDIRECT).whatHappened().contains("PKCE"));
        Advice declined = IdentityPlatformAdvice.explain("access_denied", "AADSTS65004: User declined to consent", REDIRECT);
        assertEquals("Linking was cancelled", declined.title());
        assertEquals("Linking was cancelled", IdentityPlatformAdvice.explain("access_denied", null, REDIRECT).title());
        assertTrue(IdentityPlatformAdvice.explain("invalid_request", "AADSTS50011: The redirect URI ... does not match",
                REDIRECT).whatToDo().contains(REDIRECT));
        Advice unknown = IdentityPlatformAdvice.explain("weird_error", "something", REDIRECT);
        assertEquals("weird_error", unknown.code());
    }

    @Test
    void tokenEndpointErrorsAreReadFromTheOidcClientsFailure() {
        RuntimeException refused = GraphMailProvider.translate(new OidcClientException(
                "{\"error\":\"invalid_grant\",\"error_description\":\"AADSTS70008: The provided authorization code or "
                        + "refresh token has expired.\",\"error_codes\":[70008]}"));
        AuthorizationFailedException failure = assertInstanceOf(AuthorizationFailedException.class, refused);
        assertTrue(failure.invalidGrant());
        assertTrue(failure.description().startsWith("AADSTS70008"));

        assertInstanceOf(ProviderUnavailableException.class,
                GraphMailProvider.translate(new OidcClientException("OIDC Server is not available")));
        assertInstanceOf(ProviderUnavailableException.class,
                GraphMailProvider.translate(new OidcClientException("<html>502 Bad Gateway</html>")));
        RuntimeException busy = GraphMailProvider.translate(
                new OidcClientException("{\"error\":\"temporarily_unavailable\",\"error_description\":\"try later\"}"));
        assertInstanceOf(ProviderUnavailableException.class, busy);
        assertFalse(busy.getMessage().contains("try later"));
    }
}

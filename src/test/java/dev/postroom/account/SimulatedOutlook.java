package dev.postroom.account;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The linking tests' handle on the Outlook simulator's Java API (one place to adapt if that API changes).
 * TODO(simulator): wire to dev.postroom.simulator.OutlookSimulator once it is merged.
 */
@ApplicationScoped
class SimulatedOutlook {

    /** A work account: /me has mail = address. Returns the Graph user id. */
    String createMailbox(String address, String displayName) {
        throw new UnsupportedOperationException("the Outlook simulator's Java API is not merged yet");
    }

    /** A personal Microsoft account: /me has mail = null and userPrincipalName = address. Returns the Graph user id. */
    String createPersonalMailbox(String address, String displayName) {
        throw new UnsupportedOperationException("the Outlook simulator's Java API is not merged yet");
    }

    /** Every refresh token of the mailbox is refused from now on (invalid_grant), like a password reset. */
    void revokeRefreshTokens(String address) {
        throw new UnsupportedOperationException("the Outlook simulator's Java API is not merged yet");
    }

    /** Every access token of the mailbox expires now: Graph answers 401 until the client refreshes. */
    void expireAccessTokens(String address) {
        throw new UnsupportedOperationException("the Outlook simulator's Java API is not merged yet");
    }
}

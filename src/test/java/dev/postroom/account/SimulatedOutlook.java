package dev.postroom.account;

import dev.postroom.simulator.OutlookSimulator;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;

/** The linking tests' handle on the Outlook simulator's Java API (one place to adapt if that API changes). */
@ApplicationScoped
class SimulatedOutlook {

    private final OutlookSimulator simulator;

    SimulatedOutlook(OutlookSimulator simulator) {
        this.simulator = simulator;
    }

    /** A work account: /me has mail = address. Returns the Graph user id. */
    String createMailbox(String address, String displayName) {
        return simulator.createMailbox(address, displayName, false).id();
    }

    /** A personal Microsoft account: /me has mail = null and userPrincipalName = address. Returns the Graph user id. */
    String createPersonalMailbox(String address, String displayName) {
        return simulator.createMailbox(address, displayName, true).id();
    }

    /** Every refresh token of the mailbox is refused from now on (invalid_grant), like a password reset. */
    void revokeRefreshTokens(String address) {
        simulator.revokeRefreshTokens(address);
    }

    /** Every access token of the mailbox expires now: Graph answers 401 until the client refreshes. */
    void expireAccessTokens(String address) {
        simulator.expireAccessTokens(address);
    }

    /** Lifetime of access tokens issued from now on; null: back to the configured one. */
    void setAccessTokenLifetime(Duration lifetime) {
        simulator.setAccessTokenLifetime(lifetime);
    }

    /** Behave like an app registered for one tenant (personal accounts get AADSTS50020); null: back to the configuration. */
    void setSingleTenant(Boolean singleTenant) {
        simulator.setSingleTenant(singleTenant);
    }
}

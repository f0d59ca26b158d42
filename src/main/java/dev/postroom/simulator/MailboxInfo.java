package dev.postroom.simulator;

/**
 * Who a simulated mailbox belongs to.
 *
 * @param id       the Graph user id ({@code /me.id}): a GUID for work accounts, 16 hex digits for personal ones
 * @param personal a Microsoft account (outlook.com): {@code /me.mail} is null, the tenant is the consumer tenant
 */
public record MailboxInfo(String id, String address, String displayName, boolean personal, String tenantId) {

    /** The tenant of every personal Microsoft account. */
    public static final String CONSUMER_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad";
    /** The one organisation every simulated work account belongs to. */
    public static final String SIMULATED_TENANT = "5e7c1a2b-0d3f-4c6e-9a8b-7f1e2d3c4b5a";
}

package dev.postroom.search;

/** When a write becomes visible to searches. */
public enum Refresh {
    /** With the next periodic refresh (postroom.search.refresh-interval): the fast choice for sync. */
    NONE("false"),
    /** The call returns only once the write is searchable: read-your-writes, for tests and interactive actions. */
    WAIT_FOR("wait_for");

    final String parameter;

    Refresh(String parameter) {
        this.parameter = parameter;
    }
}

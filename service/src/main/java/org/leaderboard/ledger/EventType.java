package org.leaderboard.ledger;

/** The kinds of event the ledger records; {@link #wire()} is the JSON and SQL spelling. */
public enum EventType {
    DONATION, REFUND, SHARE;

    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

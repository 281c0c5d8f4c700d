package org.leaderboard.leaderboard;

import java.time.Instant;

/**
 * A campaign's running figures in minor units; {@code raisedMinor} is net of refunds.
 * {@code updatedAt} is the recording time of the last applied event, null before any.
 * {@code sponsorMinor} is what sponsors' pledges and matching gifts earned on top.
 */
public record Totals(long raisedMinor, long donationCount, long refundedMinor, long shareCount, Instant updatedAt,
        long sponsorMinor) {

    public static final Totals NONE = new Totals(0, 0, 0, 0, null);

    /** Figures of a campaign without sponsors. */
    public Totals(long raisedMinor, long donationCount, long refundedMinor, long shareCount, Instant updatedAt) {
        this(raisedMinor, donationCount, refundedMinor, shareCount, updatedAt, 0);
    }

    /** Money given plus money sponsors earned. */
    public long grandTotalMinor() {
        return Math.addExact(raisedMinor, sponsorMinor);
    }

    Totals withSponsor(long sponsor) {
        return new Totals(raisedMinor, donationCount, refundedMinor, shareCount, updatedAt, sponsor);
    }
}

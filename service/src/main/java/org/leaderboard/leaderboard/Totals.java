package org.leaderboard.leaderboard;

import java.time.Instant;

/**
 * A campaign's running figures in minor units; {@code raisedMinor} is net of refunds.
 * {@code updatedAt} is the recording time of the last applied event, null before any.
 */
public record Totals(long raisedMinor, long donationCount, long refundedMinor, long shareCount, Instant updatedAt) {

    public static final Totals NONE = new Totals(0, 0, 0, 0, null);
}

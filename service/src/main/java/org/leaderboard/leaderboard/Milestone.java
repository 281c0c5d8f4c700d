package org.leaderboard.leaderboard;

import java.time.Instant;
import java.util.Set;

/**
 * A threshold on one of a campaign's figures ({@code raisedMinor}, {@code grandTotalMinor} or
 * {@code shareCount}) that the crowd celebrates once, when it is first reached; {@code reachedAt}
 * is null until then and never changes after.
 */
public record Milestone(String id, String metric, long threshold, String label, Instant reachedAt) {

    public static final Set<String> METRICS = Set.of("raisedMinor", "grandTotalMinor", "shareCount");

    /** The value of this milestone's metric in {@code totals}. */
    public long value(Totals totals) {
        return switch (metric) {
            case "raisedMinor" -> totals.raisedMinor();
            case "grandTotalMinor" -> totals.grandTotalMinor();
            case "shareCount" -> totals.shareCount();
            default -> throw new IllegalStateException("Unknown milestone metric " + metric);
        };
    }

    public Milestone reached(Instant at) {
        return new Milestone(id, metric, threshold, label, at);
    }
}

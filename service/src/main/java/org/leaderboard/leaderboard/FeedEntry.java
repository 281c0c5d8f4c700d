package org.leaderboard.leaderboard;

import java.time.Instant;

/**
 * A donation as the feed shows it. {@code name} is null for an anonymous or unnamed donor;
 * {@code message} and {@code fundraiserId} are null when absent; {@code at} is when it occurred.
 */
public record FeedEntry(String eventId, String name, long amountMinor, String message, String fundraiserId,
        Instant at) {
}

package org.leaderboard.leaderboard;

import java.time.Instant;

/**
 * A committed ledger event as the live aggregates see it. {@code type} is the wire spelling
 * ({@code donation}, {@code refund}, {@code share}); for a refund {@code fundraiserId} is its
 * donation's fundraiser. {@code recordedAt} (the commit time) places the event in a trending
 * minute; {@code occurredAt} is what the feed shows.
 */
record LiveEvent(
        long seq,
        String type,
        String eventId,
        String campaignId,
        String fundraiserId,
        long amountMinor,
        String donorName,
        boolean anonymous,
        String message,
        Instant occurredAt,
        Instant recordedAt) {
}

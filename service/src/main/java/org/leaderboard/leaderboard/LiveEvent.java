package org.leaderboard.leaderboard;

import java.time.Instant;
import java.util.Map;

/**
 * A committed ledger event as the live aggregates see it. {@code type} is the wire spelling
 * ({@code donation}, {@code refund}, {@code share}); for a refund {@code fundraiserId} is its
 * donation's fundraiser. {@code recordedAt} (the commit time) places the event in a trending
 * minute; {@code occurredAt} is what the feed shows. {@code referrerId} is the fundraiser whose
 * link brought the donation (a refund's: its donation's); {@code matched} what matching gifts gave
 * the donation, or (negative) what the refund released, by match id.
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
        Instant recordedAt,
        String referrerId,
        Map<String, Long> matched) {

    /** An event without referrer nor matching gifts. */
    LiveEvent(long seq, String type, String eventId, String campaignId, String fundraiserId, long amountMinor,
            String donorName, boolean anonymous, String message, Instant occurredAt, Instant recordedAt) {
        this(seq, type, eventId, campaignId, fundraiserId, amountMinor, donorName, anonymous, message, occurredAt,
                recordedAt, null, Map.of());
    }
}

package org.leaderboard.ledger;

import java.time.Instant;

/**
 * A validated event, ready to be written to the ledger. Which fields are set depends on the
 * type (API.md, Ingest API); {@code payloadHash} is the hex SHA-256 of the event's canonical
 * form and is what tells a replay ({@code duplicate}) from a conflicting reuse of the id (409).
 */
public record LedgerEvent(
        EventType type,
        String eventId,
        String campaignId,
        String fundraiserId,
        Long amountMinor,
        String currency,
        String donationEventId,
        String donorName,
        boolean anonymous,
        String message,
        String referrerId,
        String channel,
        String visitorId,
        Instant occurredAt,
        String payloadHash) {
}

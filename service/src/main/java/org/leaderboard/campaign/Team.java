package org.leaderboard.campaign;

import java.time.Instant;

/** A team of fundraisers inside a campaign. */
public record Team(String campaignId, String id, String name, Instant createdAt, Instant updatedAt) {
}

package org.leaderboard.campaign;

import java.time.Instant;

/** A fundraiser's page inside a campaign, optionally in a team and with a personal goal. */
public record Fundraiser(String campaignId, String id, String displayName, String teamId, Long goalMinor,
        String story, Instant createdAt, Instant updatedAt) {
}

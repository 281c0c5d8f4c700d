package org.leaderboard.campaign;

import java.time.Instant;

/** A campaign as organizers set it up; amounts in minor units of its one currency. */
public record Campaign(String id, String title, String story, String currency, long goalMinor, Instant endsAt,
        boolean openSignup, Instant createdAt, Instant updatedAt) {
}

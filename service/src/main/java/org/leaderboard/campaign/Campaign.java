package org.leaderboard.campaign;

import java.time.Instant;

/**
 * A campaign as organizers set it up; amounts in minor units of its one currency. {@code donateUrl}
 * is the charity's own payment page (https, or null); {@code demo} marks the campaign that demo
 * mode made and drives, so pages can say its figures are not real.
 */
public record Campaign(String id, String title, String story, String currency, long goalMinor, Instant endsAt,
        boolean openSignup, Instant createdAt, Instant updatedAt, String donateUrl, boolean demo) {

    /** A campaign without a donate link, not a demo. */
    public Campaign(String id, String title, String story, String currency, long goalMinor, Instant endsAt,
            boolean openSignup, Instant createdAt, Instant updatedAt) {
        this(id, title, story, currency, goalMinor, endsAt, openSignup, createdAt, updatedAt, null, false);
    }
}

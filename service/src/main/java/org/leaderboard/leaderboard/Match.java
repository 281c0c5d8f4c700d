package org.leaderboard.leaderboard;

import java.time.Instant;

/**
 * A sponsor's matching gift: donations that occur in {@code [startsAt, endsAt)} are matched at
 * {@code ratioPercent} (100 = one for one) until {@code capMinor}. Which donation got how much is
 * decided when the donation is recorded (the ledger's match allocations); this is the definition.
 */
public record Match(String id, String sponsor, int ratioPercent, long capMinor, Instant startsAt, Instant endsAt) {
}

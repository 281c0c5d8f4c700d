package org.leaderboard.leaderboard;

import java.util.List;
import java.util.Map;

/**
 * Everything the live aggregates of one campaign hold, recomputed from the ledger for a rebuild
 * ({@link LeaderboardStore#replace}). Amounts are net minor units; {@code trendBuckets} maps an
 * epoch minute of recording time to the net amount per fundraiser in it. {@code referred}: net
 * amount per referring fundraiser; {@code viral}: the fields of the viral hash ({@link ViralState}).
 */
record CampaignState(
        Totals totals,
        Map<String, Long> fundraiserRaised,
        Map<String, Long> teamRaised,
        Map<String, Long> fundraiserShares,
        Map<Long, Map<String, Long>> trendBuckets,
        List<FeedEntry> feedNewestFirst,
        Map<String, String> fundraiserNames,
        Map<String, String> teamNames,
        Map<String, String> teamOf,
        Map<String, Long> referred,
        Map<String, String> viral) {

    /** A state without referrals nor viral mechanics. */
    CampaignState(Totals totals, Map<String, Long> fundraiserRaised, Map<String, Long> teamRaised,
            Map<String, Long> fundraiserShares, Map<Long, Map<String, Long>> trendBuckets,
            List<FeedEntry> feedNewestFirst, Map<String, String> fundraiserNames, Map<String, String> teamNames,
            Map<String, String> teamOf) {
        this(totals, fundraiserRaised, teamRaised, fundraiserShares, trendBuckets, feedNewestFirst, fundraiserNames,
                teamNames, teamOf, Map.of(), Map.of());
    }
}

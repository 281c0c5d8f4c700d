package org.leaderboard.leaderboard;

import java.util.List;
import java.util.Map;

/**
 * Everything the live aggregates of one campaign hold, recomputed from the ledger for a rebuild
 * ({@link LeaderboardStore#replace}). Amounts are net minor units; {@code trendBuckets} maps an
 * epoch minute of recording time to the net amount per fundraiser in it.
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
        Map<String, String> teamOf) {
}

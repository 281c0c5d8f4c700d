package org.leaderboard.leaderboard;

import java.util.List;
import java.util.Map;

/**
 * What a live stream shows of a campaign at one instant, read atomically from Redis: its totals,
 * the top of every board and the newest feed entries (newest first).
 */
public record LiveView(Totals totals, Map<Board, List<BoardEntry>> boards, List<FeedEntry> feed) {
}

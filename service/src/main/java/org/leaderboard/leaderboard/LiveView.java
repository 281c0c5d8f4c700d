package org.leaderboard.leaderboard;

import java.util.List;
import java.util.Map;

/**
 * What a live stream shows of a campaign at one instant, read atomically from Redis: its totals,
 * the top of every board, the newest feed entries (newest first) and its viral mechanics.
 */
public record LiveView(Totals totals, Map<Board, List<BoardEntry>> boards, List<FeedEntry> feed, ViralState viral) {

    public LiveView(Totals totals, Map<Board, List<BoardEntry>> boards, List<FeedEntry> feed) {
        this(totals, boards, feed, ViralState.NONE);
    }
}

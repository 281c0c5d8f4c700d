package org.leaderboard.leaderboard;

/** The next better-ranked fundraiser, and what it takes to reach its score. */
public record Ahead(String id, String name, long score, long gapMinor) {
}

package org.leaderboard.leaderboard;

/** One line of a board: a standard competition rank, the fundraiser's or team's id and name (null if unknown). */
public record BoardEntry(long rank, String id, String name, long score) {
}

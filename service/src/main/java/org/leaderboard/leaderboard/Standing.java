package org.leaderboard.leaderboard;

/** Where a fundraiser stands on the fundraisers board; {@code ahead} is null for #1. */
public record Standing(long raisedMinor, long shareCount, long rank, Ahead ahead) {
}

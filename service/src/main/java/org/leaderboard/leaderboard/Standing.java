package org.leaderboard.leaderboard;

/**
 * Where a fundraiser stands on the fundraisers board; {@code ahead} is null for #1.
 * {@code referredMinor}: the net money donors brought through the fundraiser's links.
 */
public record Standing(long raisedMinor, long shareCount, long rank, Ahead ahead, long referredMinor) {

    /** A fundraiser nobody was referred by. */
    public Standing(long raisedMinor, long shareCount, long rank, Ahead ahead) {
        this(raisedMinor, shareCount, rank, ahead, 0);
    }
}

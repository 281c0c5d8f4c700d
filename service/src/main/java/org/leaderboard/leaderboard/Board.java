package org.leaderboard.leaderboard;

import java.util.Locale;
import java.util.Optional;

/** The leaderboards of a campaign (API.md, Read API); {@link #wire()} is the URL and JSON spelling. */
public enum Board {
    FUNDRAISERS, TEAMS, SHARERS, TRENDING, REFERRALS;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Board> fromWire(String wire) {
        for (Board board : values()) {
            if (board.wire().equals(wire)) {
                return Optional.of(board);
            }
        }
        return Optional.empty();
    }
}

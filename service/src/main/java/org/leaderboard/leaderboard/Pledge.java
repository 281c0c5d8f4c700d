package org.leaderboard.leaderboard;

/**
 * A sponsor's promise to turn the campaign's counted shares into money: {@code perShareMinor}
 * per share up to {@code capMinor}, and {@code bonusMinor} on top once {@code bonusAtShares}
 * shares are counted (both null without a bonus). What it earned is a function of the share
 * count alone, so it can never pass its cap nor pay its bonus twice, however shares race.
 */
public record Pledge(String id, String sponsor, long perShareMinor, long capMinor, Long bonusAtShares,
        Long bonusMinor) {

    /** The per-share part earned at {@code shares} counted shares. */
    public long perShareEarned(long shares) {
        // perShare x shares may overflow long; it only matters below the cap.
        return shares >= -Math.floorDiv(-capMinor, perShareMinor) ? capMinor : perShareMinor * shares;
    }

    public boolean bonusPaid(long shares) {
        return bonusAtShares != null && shares >= bonusAtShares;
    }

    /** Everything earned at {@code shares} counted shares, bonus included. */
    public long earned(long shares) {
        return perShareEarned(shares) + (bonusPaid(shares) ? bonusMinor : 0);
    }
}

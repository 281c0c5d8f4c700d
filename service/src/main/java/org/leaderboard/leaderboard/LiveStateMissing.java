package org.leaderboard.leaderboard;

/**
 * A campaign has no live state in Redis: Redis lost it (flushed or restarted) and the rebuild
 * from the ledger has not swapped it in yet. Its figures are then absent, never shown as zero.
 */
final class LiveStateMissing extends RuntimeException {

    LiveStateMissing(String campaignId) {
        super("Campaign '" + campaignId + "' has no live state in Redis; it is being rebuilt from the ledger", null,
                false, false);
    }
}

package org.leaderboard.ledger;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Campaigns (with their currency) and fundraisers the ledger writer has already found in the
 * database. Neither is ever deleted and a campaign's currency never changes, so an entry can
 * never turn false; caching them spares the hot path a query per group. Only positive answers
 * are kept, and the maps are bounded: past the limit they start over.
 */
final class KnownReferences {

    private static final int MAX_ENTRIES = 100_000;

    private final ConcurrentHashMap<String, String> currencies = new ConcurrentHashMap<>();
    private final Set<String> fundraisers = ConcurrentHashMap.newKeySet();

    String currency(String campaignId) {
        return currencies.get(campaignId);
    }

    void campaign(String campaignId, String currency) {
        if (currencies.size() >= MAX_ENTRIES) {
            currencies.clear();
        }
        currencies.put(campaignId, currency);
    }

    boolean hasFundraiser(String pair) {
        return fundraisers.contains(pair);
    }

    void fundraiser(String pair) {
        if (fundraisers.size() >= MAX_ENTRIES) {
            fundraisers.clear();
        }
        fundraisers.add(pair);
    }
}

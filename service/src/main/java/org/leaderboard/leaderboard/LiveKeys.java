package org.leaderboard.leaderboard;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the live aggregates live in Redis, in one place. Every key of a campaign carries its id
 * as hash tag ({@code lb:{night-run}:…}), so a campaign stays in one Redis Cluster slot and each
 * of its scripts declares every key it touches. A campaign's figures live under a generation
 * ({@code lb:{c}:<gen>:<name>}), the current one named by {@code lb:{c}:gen}: a rebuild writes a
 * whole fresh generation beside the live one and swaps it in at once. No key is kept per event.
 */
final class LiveKeys {

    /**
     * The keys of one generation, in the order every script declares them (after the generation
     * key): see {@code redis/lib/generation.lua}.
     */
    static final List<String> GENERATION_NAMES = List.of("totals", "fundraisers", "teams", "sharers", "names",
            "teamof", "feed", "applied", "trend:window", "trend:log", "trend:index", "trend:end", "referrals", "viral");

    /** Present while Redis holds a complete live state; gone after a flush or restart. */
    static final String MARKER_KEY = "lb:epoch:2";

    /**
     * The token of the rebuild in progress; hash-tagged onto the marker's slot, since one script
     * reads it and sets the marker. A FLUSHDB or restart during the rebuild removes it.
     */
    static final String REBUILD_KEY = "{lb:epoch:2}:rebuilding";

    private LiveKeys() {
    }

    /** Names the campaign's current generation; absent when the campaign has no live state. */
    static String generationKey(String campaignId) {
        return prefix(campaignId) + "gen";
    }

    /** The last generation number a rebuild of the campaign allocated. */
    static String lastGenerationKey(String campaignId) {
        return prefix(campaignId) + "lastgen";
    }

    /** The pub/sub channel on which every change to the campaign's figures is announced. */
    static String changeChannel(String campaignId) {
        return prefix(campaignId) + "changed";
    }

    /** The key named {@code name} (one of {@link #GENERATION_NAMES}) of a generation. */
    static String key(String campaignId, String generation, String name) {
        return prefix(campaignId) + generation + ":" + name;
    }

    /** The generation key followed by every key of {@code generation}: what a campaign script declares. */
    static List<String> scriptKeys(String campaignId, String generation) {
        List<String> keys = new ArrayList<>(1 + GENERATION_NAMES.size());
        keys.add(generationKey(campaignId));
        keys.addAll(generation(campaignId, generation));
        return keys;
    }

    static List<String> generation(String campaignId, String generation) {
        return GENERATION_NAMES.stream().map(name -> key(campaignId, generation, name)).toList();
    }

    private static String prefix(String campaignId) {
        return "lb:{" + campaignId + "}:";
    }
}

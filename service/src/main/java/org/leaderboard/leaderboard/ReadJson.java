package org.leaderboard.leaderboard;

import java.util.LinkedHashMap;
import java.util.Map;

import org.leaderboard.campaign.Campaign;

/**
 * The JSON shapes of the read API (API.md), shared by its handler and the live streams so that a
 * total, a board line or a feed entry looks the same wherever a client reads it.
 */
public final class ReadJson {

    private ReadJson() {
    }

    public static Map<String, Object> totals(Campaign c, Totals t) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("campaignId", c.id());
        json.put("currency", c.currency());
        json.put("goalMinor", c.goalMinor());
        json.put("raisedMinor", t.raisedMinor());
        json.put("donationCount", t.donationCount());
        json.put("refundedMinor", t.refundedMinor());
        json.put("shareCount", t.shareCount());
        json.put("updatedAt", t.updatedAt() == null ? null : t.updatedAt().toString());
        return json;
    }

    /** The fundraiser just ahead, {@code {id, name, score, gapMinor}}, or null for #1. */
    public static Map<String, Object> ahead(Ahead ahead) {
        if (ahead == null) {
            return null;
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", ahead.id());
        json.put("name", ahead.name());
        json.put("score", ahead.score());
        json.put("gapMinor", ahead.gapMinor());
        return json;
    }

    public static Map<String, Object> entry(BoardEntry e) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("rank", e.rank());
        json.put("id", e.id());
        json.put("name", e.name());
        json.put("score", e.score());
        return json;
    }

    public static Map<String, Object> feed(FeedEntry e) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("eventId", e.eventId());
        json.put("name", e.name());
        json.put("amountMinor", e.amountMinor());
        if (e.message() != null) {
            json.put("message", e.message());
        }
        if (e.fundraiserId() != null) {
            json.put("fundraiserId", e.fundraiserId());
        }
        json.put("at", e.at() == null ? null : e.at().toString());
        return json;
    }
}

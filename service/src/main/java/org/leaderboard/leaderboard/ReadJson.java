package org.leaderboard.leaderboard;

import java.util.LinkedHashMap;
import java.util.List;
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
        json.put("sponsorMinor", t.sponsorMinor());
        json.put("grandTotalMinor", t.grandTotalMinor());
        json.put("updatedAt", t.updatedAt() == null ? null : t.updatedAt().toString());
        return json;
    }

    /** Each pledge with what it earned at the campaign's {@code shares} counted shares. */
    public static List<Map<String, Object>> pledges(ViralState viral, long shares) {
        return viral.pledges().stream().map(p -> {
            Map<String, Object> json = pledge(p);
            json.put("shareCount", shares);
            json.put("earnedMinor", p.earned(shares));
            json.put("remainingMinor", p.capMinor() - p.perShareEarned(shares));
            json.put("bonusPaid", p.bonusPaid(shares));
            return json;
        }).toList();
    }

    /** A pledge's definition. */
    public static Map<String, Object> pledge(Pledge p) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", p.id());
        json.put("sponsor", p.sponsor());
        json.put("perShareMinor", p.perShareMinor());
        json.put("capMinor", p.capMinor());
        json.put("bonus", p.bonusAtShares() == null ? null
                : Map.of("atShares", p.bonusAtShares(), "amountMinor", p.bonusMinor()));
        return json;
    }

    /** Each match with what it matched and what remains of its cap. */
    public static List<Map<String, Object>> matches(ViralState viral) {
        return viral.matches().stream().map(m -> {
            long matched = viral.matchedMinor(m.id());
            Map<String, Object> json = match(m);
            json.put("matchedMinor", matched);
            json.put("remainingMinor", Math.max(0, m.capMinor() - matched));
            return json;
        }).toList();
    }

    /** A match's definition; its ratio as a number (1 = one for one). */
    public static Map<String, Object> match(Match m) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", m.id());
        json.put("sponsor", m.sponsor());
        json.put("ratio", m.ratioPercent() / 100.0);
        json.put("capMinor", m.capMinor());
        json.put("startsAt", m.startsAt().toString());
        json.put("endsAt", m.endsAt().toString());
        return json;
    }

    public static List<Map<String, Object>> milestones(List<Milestone> milestones) {
        return milestones.stream().map(ReadJson::milestone).toList();
    }

    public static Map<String, Object> milestone(Milestone m) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", m.id());
        json.put("metric", m.metric());
        json.put("threshold", m.threshold());
        json.put("label", m.label());
        json.put("reachedAt", m.reachedAt() == null ? null : m.reachedAt().toString());
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

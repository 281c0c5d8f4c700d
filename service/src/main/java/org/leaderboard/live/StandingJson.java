package org.leaderboard.live;

import java.util.LinkedHashMap;
import java.util.Map;

import org.leaderboard.campaign.Fundraiser;
import org.leaderboard.leaderboard.ReadJson;
import org.leaderboard.leaderboard.Standing;

/**
 * The {@code standing} of a fundraiser's stream (API.md): {@code {id, name, rank, raisedMinor,
 * shareCount, ahead}}, the figures of {@code GET /api/campaigns/{c}/fundraisers/{f}}. A fundraiser
 * not on the board (Redis has not seen it yet) stands nowhere: rank and ahead null, zero raised.
 */
final class StandingJson {

    private StandingJson() {
    }

    static Map<String, Object> of(Fundraiser fundraiser, Standing standing) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", fundraiser.id());
        json.put("name", fundraiser.displayName());
        json.put("rank", standing == null ? null : standing.rank());
        json.put("raisedMinor", standing == null ? 0 : standing.raisedMinor());
        json.put("shareCount", standing == null ? 0 : standing.shareCount());
        json.put("ahead", ReadJson.ahead(standing == null ? null : standing.ahead()));
        json.put("referredMinor", standing == null ? 0 : standing.referredMinor());
        return json;
    }
}

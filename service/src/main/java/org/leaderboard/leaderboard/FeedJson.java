package org.leaderboard.leaderboard;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;

import tools.jackson.databind.json.JsonMapper;

/**
 * A feed entry as stored in Redis: its own fixed JSON form, independent of how the web layer is
 * configured to write JSON.
 */
final class FeedJson {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    static {
        // Build Jackson's (de)serializers now, at class loading on a start-up thread, not on an event loop.
        read(write(new FeedEntry("warm-up", "Name", 1, "Message", "f", Instant.EPOCH)));
    }

    private FeedJson() {
    }

    static String write(FeedEntry entry) {
        return JSON.writeValueAsString(new Stored(entry.eventId(), entry.name(), entry.amountMinor(), entry.message(),
                entry.fundraiserId(), entry.at() == null ? null : entry.at().toString()));
    }

    static FeedEntry read(String text) {
        Stored stored = JSON.readValue(text, Stored.class);
        return new FeedEntry(stored.eventId(), stored.name(), stored.amountMinor(), stored.message(),
                stored.fundraiserId(), stored.at() == null ? null : Instant.parse(stored.at()));
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    private record Stored(String eventId, String name, long amountMinor, String message, String fundraiserId,
            String at) {
    }
}

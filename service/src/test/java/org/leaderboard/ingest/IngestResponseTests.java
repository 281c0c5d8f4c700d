package org.leaderboard.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The hand-written answer to a single event is valid JSON naming the same event id, whatever its characters. */
class IngestResponseTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void statusJsonEscapesQuotesAndBackslashes() {
        for (String id : new String[] { "pay_8f2a", "a\"b", "back\\slash", "\\\"", " ~!@#$%^&*()_+{}|:<>?`-=[];',./" }) {
            JsonNode answer = JSON.readTree(IngestHandler.statusJson(id, "accepted"));
            assertThat(answer.path("eventId").asString()).isEqualTo(id);
            assertThat(answer.path("status").asString()).isEqualTo("accepted");
            assertThat(answer.size()).isEqualTo(2);
        }
    }
}

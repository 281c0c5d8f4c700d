package org.leaderboard.system;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The two bearer tokens of the API. Bound from {@code LEADERBOARD_ORGANIZER_TOKEN} and
 * {@code LEADERBOARD_INGEST_TOKEN} (see application.yml); a blank one is generated at start-up.
 */
@ConfigurationProperties("leaderboard.auth")
public record AuthProperties(String organizerToken, String ingestToken) {
}

package org.leaderboard.system;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the service prepares its PostgreSQL database at start-up.
 *
 * @param createIfMissing create the database named in {@code spring.r2dbc.url} when it does not exist
 * (through the server's {@code postgres} maintenance database), so a fresh machine needs no manual step
 */
@ConfigurationProperties("leaderboard.database")
public record DatabaseProperties(@DefaultValue("true") boolean createIfMissing) {
}

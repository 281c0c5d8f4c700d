package org.leaderboard.system;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * How the HTTP edge protects itself from slow and greedy clients (see docs/http-edge.md).
 *
 * @param headerTimeout a request's head (request line and headers) must be complete this long after its
 *        first byte arrived; past it the client gets 408 and the connection is closed
 * @param idleTimeout a keep-alive connection waiting for its next request is closed after this long
 * @param bodyReadTimeout while a request body is read, a pause longer than this between two reads ends
 *        the connection
 * @param bodyTimeout a request body must be read whole within this long after its head
 * @param maxConnectionsPerAddress open connections one client address may hold; the next is answered
 *        429 and closed. 0 turns the cap off (e.g. behind a proxy that hides client addresses)
 * @param refusedBodyDrain how much of a request body the service still reads, and drops, after
 *        refusing the request without reading it (401, 413, 415, 429...), so the client, still sending,
 *        reads the answer instead of a connection reset; a longer body is not read and the connection
 *        is closed at once
 */
@ConfigurationProperties("leaderboard.edge")
public record EdgeProperties(
        @DefaultValue("10s") Duration headerTimeout,
        @DefaultValue("60s") Duration idleTimeout,
        @DefaultValue("10s") Duration bodyReadTimeout,
        @DefaultValue("30s") Duration bodyTimeout,
        @DefaultValue("1000") int maxConnectionsPerAddress,
        @DefaultValue("4MB") DataSize refusedBodyDrain) {

    public EdgeProperties {
        for (Duration d : List.of(headerTimeout, idleTimeout, bodyReadTimeout, bodyTimeout)) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("leaderboard.edge: timeouts must be positive, got " + d);
            }
        }
        if (maxConnectionsPerAddress < 0) {
            throw new IllegalArgumentException("leaderboard.edge.max-connections-per-address must be >= 0 (0: no cap)");
        }
        if (refusedBodyDrain.isNegative()) {
            throw new IllegalArgumentException("leaderboard.edge.refused-body-drain must be >= 0 (0: never drain)");
        }
    }
}

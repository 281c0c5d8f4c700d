package org.leaderboard.live;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * How the live streams (WebSocket and Server-Sent Events) push a campaign's figures.
 *
 * @param tick at most one update per campaign per tick; none when nothing changed
 * @param refreshInterval a watched campaign is re-read at least this often even without a change
 *        notice (a notice lost while Redis was unreachable, the trending window moving on)
 * @param heartbeat an idle stream sends a WebSocket ping or an SSE comment this often, so proxies keep it open
 * @param slowClientTimeout a client that could not take a frame for this long is disconnected
 * @param maxSessions open streams this instance accepts at most; more are answered 503
 * @param maxInboundFrame largest WebSocket frame a client may send (it should send none)
 * @param boardSize entries of each board a stream carries
 * @param feedSize feed entries in a snapshot, and new ones in an update, at most
 * @param allowedOrigins browser origins (scheme://host[:port]) allowed to open a WebSocket besides the
 *        service's own; {@code *} allows any
 * @param compress whether WebSocket clients may negotiate permessage-deflate (each frame is then
 *        compressed once for all of them)
 */
@ConfigurationProperties("leaderboard.stream")
record LiveStreamProperties(
        @DefaultValue("100ms") Duration tick,
        @DefaultValue("5s") Duration refreshInterval,
        @DefaultValue("20s") Duration heartbeat,
        @DefaultValue("30s") Duration slowClientTimeout,
        @DefaultValue("50000") int maxSessions,
        @DefaultValue("1KB") DataSize maxInboundFrame,
        @DefaultValue("10") int boardSize,
        @DefaultValue("20") int feedSize,
        @DefaultValue List<String> allowedOrigins,
        @DefaultValue("true") boolean compress) {

    LiveStreamProperties {
        for (Duration d : List.of(tick, refreshInterval, heartbeat, slowClientTimeout)) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("leaderboard.stream: durations must be positive, got " + d);
            }
        }
        if (maxSessions < 1 || maxInboundFrame.toBytes() < 125 || boardSize < 1 || boardSize > 100
                || feedSize < 1 || feedSize > 100) {
            throw new IllegalArgumentException("leaderboard.stream: max-sessions must be >= 1, max-inbound-frame"
                    + " >= 125B (a control frame), board-size and feed-size 1..100");
        }
        allowedOrigins = allowedOrigins.stream().map(String::trim).filter(o -> !o.isEmpty())
                .map(LiveStreamProperties::normalize).toList();
    }

    /** Origins compare without a trailing slash and in lower case, as browsers send them. */
    static String normalize(String origin) {
        String o = origin.toLowerCase(Locale.ROOT);
        return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
    }
}

package org.leaderboard.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.ReadTimeoutHandler;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import reactor.netty.NettyPipeline;

/** The request head deadline on an embedded channel's virtual clock. */
class RequestHeadDeadlineTests {

    EmbeddedChannel channel;

    @BeforeEach
    void channel() {
        channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline().addLast("codec", new HttpServerCodec());
        RequestHeadDeadline.install(channel, "codec", Duration.ofSeconds(10), Duration.ofSeconds(30));
    }

    @Test
    void aHeadNotCompleteInTimeGets408AndTheConnectionCloses() {
        channel.writeInbound(bytes("GET /api/campaigns/x HTTP/1.1\r\nHost: x\r\n"));
        channel.advanceTimeBy(9, TimeUnit.SECONDS);
        channel.writeInbound(bytes("X-Slow: a"));
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isTrue();
        assertThat((Object) channel.readOutbound()).isNull();
        channel.advanceTimeBy(1, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(text(channel.readOutbound())).startsWith("HTTP/1.1 408 Request Timeout\r\n")
                .contains("application/problem+json").contains("/problems/request-timeout");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aHeadCompleteInTimeStopsTheClock() {
        channel.writeInbound(bytes("GET /api/campaigns/x HTTP/1.1\r\nHost: x\r\n"));
        channel.advanceTimeBy(9, TimeUnit.SECONDS);
        channel.writeInbound(bytes("\r\n"));
        assertThat((Object) channel.readInbound()).isInstanceOf(HttpRequest.class);
        channel.advanceTimeBy(1, TimeUnit.HOURS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isTrue();
        assertThat((Object) channel.readOutbound()).isNull();
    }

    @Test
    void anIdleConnectionIsNotTheDeadlinesConcern() {
        channel.advanceTimeBy(1, TimeUnit.HOURS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void theNextRequestOnAKeptAliveConnectionHasItsOwnDeadline() {
        channel.writeInbound(bytes("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"));
        channel.readInbound();
        channel.readInbound();
        channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        channel.readOutbound();
        channel.advanceTimeBy(1, TimeUnit.HOURS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isTrue();
        channel.writeInbound(bytes("GET /b HTTP/1.1\r\n"));
        channel.advanceTimeBy(10, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(text(channel.readOutbound())).startsWith("HTTP/1.1 408");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aWebSocketUpgradeEndsTheDeadlinesWatch() {
        channel.writeInbound(bytes("GET /ws/campaigns/x HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n"));
        channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS));
        assertThat(channel.pipeline().get(RequestHeadDeadline.BYTES_HANDLER)).isNull();
        assertThat(channel.pipeline().get(RequestHeadDeadline.MESSAGES_HANDLER)).isNull();
    }

    @Test
    void aBodyNotCompleteInTimeGets408AndTheConnectionCloses() {
        channel.writeInbound(bytes("POST /api/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
        for (int second = 0; second < 29; second++) {
            channel.writeInbound(bytes("1\r\n \r\n")); // a byte a second: never a pause, never an end
            channel.advanceTimeBy(1, TimeUnit.SECONDS);
            channel.runScheduledPendingTasks();
        }
        assertThat(channel.isOpen()).isTrue();
        channel.advanceTimeBy(1, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(text(channel.readOutbound())).startsWith("HTTP/1.1 408 Request Timeout\r\n")
                .contains("/problems/request-timeout");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aBodyCompleteInTimeStopsItsClock() {
        channel.writeInbound(bytes("POST /api/events HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"));
        channel.advanceTimeBy(1, TimeUnit.HOURS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isTrue();
        assertThat((Object) channel.readOutbound()).isNull();
    }

    @Test
    void aWebSocketOutlivesEveryRequestTimeout() {
        channel.pipeline().addFirst(NettyPipeline.ReadTimeoutHandler, new ReadTimeoutHandler(10, TimeUnit.SECONDS));
        channel.writeInbound(bytes("GET /ws/campaigns/x HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n"));
        channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS));
        assertThat(channel.pipeline().get(NettyPipeline.ReadTimeoutHandler)).as("a spectator sends nothing")
                .isNull();
        channel.advanceTimeBy(1, TimeUnit.HOURS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isTrue();
    }

    private static ByteBuf bytes(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
    }

    private static String text(Object outbound) {
        assertThat(outbound).isInstanceOf(ByteBuf.class);
        ByteBuf buf = (ByteBuf) outbound;
        try {
            return buf.toString(StandardCharsets.ISO_8859_1);
        }
        finally {
            buf.release();
        }
    }

}

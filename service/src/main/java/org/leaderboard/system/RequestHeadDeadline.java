package org.leaderboard.system;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * Bounds the time a client may take to send a request head (request line and headers): from the
 * first byte of a request to its last header, at most {@code timeout}; past it the client gets 408
 * problem+json and the connection is closed. Reactor Netty's own timeouts cover a connection
 * that sends nothing (idle timeout) and a body that stalls (read and request timeouts), but not
 * headers trickled a byte at a time, which would hold a connection open for as long as the client
 * likes.
 *
 * <p>Two handlers of one channel share the state: one before the HTTP codec sees raw bytes (the
 * clock starts at the first byte of a request), one after it sees the decoded request head (the
 * clock stops) and the end of each response (the connection awaits the next request). All run on
 * the channel's event loop; the timer is the event loop's, so tests drive it on an
 * {@link io.netty.channel.embedded.EmbeddedChannel}'s virtual clock.
 */
final class RequestHeadDeadline {

    static final String BYTES_HANDLER = "leaderboard.headDeadline.bytes";
    static final String MESSAGES_HANDLER = "leaderboard.headDeadline.messages";
    private static final byte[] TIMEOUT = EdgeProblems.rawResponse(408, "Request Timeout", "");

    private final long timeoutNanos;
    private boolean awaitingHead = true;
    private ScheduledFuture<?> timer;

    private RequestHeadDeadline(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    /** Adds the deadline's two handlers around the channel's HTTP codec, named {@code codecName}. */
    static void install(Channel channel, String codecName, Duration timeout) {
        RequestHeadDeadline deadline = new RequestHeadDeadline(timeout);
        channel.pipeline().addBefore(codecName, BYTES_HANDLER, deadline.new Bytes());
        channel.pipeline().addAfter(codecName, MESSAGES_HANDLER, deadline.new Messages());
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /** Sees the raw bytes: the first one of a request starts the clock. */
    private final class Bytes extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (awaitingHead && timer == null && msg instanceof ByteBuf bytes && bytes.isReadable()) {
                timer = ctx.executor().schedule(() -> expire(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
            }
            super.channelRead(ctx, msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            cancel();
            super.channelInactive(ctx);
        }

        private void expire(ChannelHandlerContext ctx) {
            timer = null;
            if (awaitingHead && ctx.channel().isActive()) {
                awaitingHead = false;
                // Written before the codec: no HTTP exchange exists yet for a head that never completed.
                ctx.writeAndFlush(Unpooled.wrappedBuffer(TIMEOUT)).addListener(ChannelFutureListener.CLOSE);
            }
        }
    }

    /** Sees decoded messages: a request head stops the clock, the end of its response rearms it. */
    private final class Messages extends ChannelDuplexHandler {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (msg instanceof HttpRequest) {
                awaitingHead = false;
                cancel();
            }
            super.channelRead(ctx, msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            if (msg instanceof HttpResponse response
                    && response.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
                // A WebSocket from here on: no more HTTP requests on this connection.
                cancel();
                ctx.pipeline().remove(this);
                ctx.pipeline().remove(BYTES_HANDLER);
            }
            else if (msg instanceof LastHttpContent) {
                awaitingHead = true;
            }
            super.write(ctx, msg, promise);
        }
    }
}

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

import reactor.netty.NettyPipeline;

/**
 * Bounds the time a client may take to send a request: its head (request line and headers), from
 * the first byte to the last header, at most {@code headTimeout}; its body, from the head to the
 * body's end, at most {@code bodyTimeout}. Past either the client gets 408 problem+json (when no
 * answer has begun) and the connection is closed. Reactor Netty's own timeouts cover a connection
 * that sends nothing (idle timeout) and a body that pauses (read timeout), but not headers or a
 * chunked body trickled a byte at a time, which would hold a connection open for as long as the
 * client likes. (Reactor Netty's request timeout would bound the body too, but it also fires on a
 * request upgraded to a WebSocket, closing every spectator after that long.) A WebSocket upgrade
 * ends the watch, and drops Reactor Netty's read timeout, which a spectator that sends nothing
 * would otherwise trip: live streams bound slow clients themselves.
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
    private final long bodyTimeoutNanos;
    private boolean awaitingHead = true;
    /** An answer to the current request has begun: a 408 can no longer be sent, only a close. */
    private boolean responding;
    private ScheduledFuture<?> timer;
    private ScheduledFuture<?> bodyTimer;
    private ChannelHandlerContext rawContext;

    private RequestHeadDeadline(Duration timeout, Duration bodyTimeout) {
        this.timeoutNanos = timeout.toNanos();
        this.bodyTimeoutNanos = bodyTimeout.toNanos();
    }

    /** Adds the deadline's two handlers around the channel's HTTP codec, named {@code codecName}. */
    static void install(Channel channel, String codecName, Duration timeout) {
        install(channel, codecName, timeout, Duration.ofDays(1));
    }

    /** The same, with a deadline for each request's body too. */
    static void install(Channel channel, String codecName, Duration timeout, Duration bodyTimeout) {
        RequestHeadDeadline deadline = new RequestHeadDeadline(timeout, bodyTimeout);
        channel.pipeline().addBefore(codecName, BYTES_HANDLER, deadline.new Bytes());
        channel.pipeline().addAfter(codecName, MESSAGES_HANDLER, deadline.new Messages());
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void cancelBody() {
        if (bodyTimer != null) {
            bodyTimer.cancel(false);
            bodyTimer = null;
        }
    }

    private void bodyExpired(ChannelHandlerContext ctx) {
        bodyTimer = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        if (responding || rawContext == null) {
            ctx.close();
        }
        else {
            // Written before the codec, as for a head: the exchange never got its whole request.
            rawContext.writeAndFlush(Unpooled.wrappedBuffer(TIMEOUT)).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Sees the raw bytes: the first one of a request starts the clock. */
    private final class Bytes extends ChannelInboundHandlerAdapter {

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            rawContext = ctx;
        }

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
            cancelBody();
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
                responding = false;
                cancel();
                if (!(msg instanceof LastHttpContent)) {
                    bodyTimer = ctx.executor().schedule(() -> bodyExpired(ctx), bodyTimeoutNanos,
                            TimeUnit.NANOSECONDS);
                }
            }
            else if (msg instanceof LastHttpContent) {
                cancelBody();
            }
            super.channelRead(ctx, msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            if (msg instanceof HttpResponse response
                    && response.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
                // A WebSocket from here on: no more HTTP requests on this connection.
                cancel();
                cancelBody();
                ctx.pipeline().remove(this);
                ctx.pipeline().remove(BYTES_HANDLER);
                if (ctx.pipeline().get(NettyPipeline.ReadTimeoutHandler) != null) {
                    ctx.pipeline().remove(NettyPipeline.ReadTimeoutHandler);
                }
            }
            else {
                if (msg instanceof HttpResponse) {
                    responding = true;
                }
                if (msg instanceof LastHttpContent) {
                    awaitingHead = true;
                }
            }
            super.write(ctx, msg, promise);
        }
    }
}

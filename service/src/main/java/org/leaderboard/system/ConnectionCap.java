package org.leaderboard.system;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;

/**
 * Caps the connections one client address holds open at once, so a single client cannot take all
 * of an instance's sockets (slow requests, idle keep-alives, thousands of WebSockets). The one over
 * the cap is answered 429 problem+json at once and closed, before a byte of its request is read.
 */
@ChannelHandler.Sharable
final class ConnectionCap extends ChannelInboundHandlerAdapter {

    private static final AttributeKey<InetAddress> COUNTED = AttributeKey.valueOf("leaderboard.connectionCap");
    private static final byte[] REFUSAL = EdgeProblems.rawResponse(429, "Too Many Requests", "Retry-After: 1\r\n");

    private final int max;
    private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();

    ConnectionCap(int max) {
        this.max = max;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().remoteAddress() instanceof InetSocketAddress remote && remote.getAddress() != null) {
            InetAddress address = remote.getAddress();
            if (open.merge(address, 1, Integer::sum) > max) {
                release(address);
                ctx.writeAndFlush(Unpooled.wrappedBuffer(REFUSAL)).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            ctx.channel().attr(COUNTED).set(address);
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        InetAddress address = ctx.channel().attr(COUNTED).getAndSet(null);
        if (address != null) {
            release(address);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (ctx.channel().attr(COUNTED).get() == null && ctx.channel().remoteAddress() instanceof InetSocketAddress) {
            ReferenceCountUtil.release(msg);
            return;
        }
        super.channelRead(ctx, msg);
    }

    /** Open connections of {@code address} now; for tests and diagnostics. */
    int openConnections(InetAddress address) {
        return open.getOrDefault(address, 0);
    }

    private void release(InetAddress address) {
        open.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    }
}

package org.leaderboard.system;

import java.util.Set;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;

/**
 * Gives problem+json bodies to the error responses Reactor Netty writes itself, before any request
 * reaches Spring (a request line or headers too long: 414, 431; a request it cannot decode: 400;
 * a WebSocket version it does not speak: 426), which otherwise go out empty. Sits right after the
 * HTTP codec; recognises them as full responses with one of those statuses, no content type and no
 * body, which the application never writes (its errors always carry problem+json).
 */
@ChannelHandler.Sharable
final class NettyErrorProblems extends ChannelOutboundHandlerAdapter {

    static final String NAME = "leaderboard.nettyErrorProblems";
    private static final Set<Integer> STATUSES = Set.of(400, 408, 413, 414, 426, 431);

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof FullHttpResponse response && STATUSES.contains(response.status().code())
                && !response.content().isReadable() && !response.headers().contains(HttpHeaderNames.CONTENT_TYPE)) {
            byte[] body = EdgeProblems.body(response.status().code());
            FullHttpResponse shaped = new DefaultFullHttpResponse(response.protocolVersion(), response.status(),
                    Unpooled.wrappedBuffer(body));
            shaped.headers().set(response.headers())
                    .set(HttpHeaderNames.CONTENT_TYPE, "application/problem+json")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            response.release();
            super.write(ctx, shaped, promise);
            return;
        }
        super.write(ctx, msg, promise);
    }
}

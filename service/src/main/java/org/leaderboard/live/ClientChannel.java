package org.leaderboard.live;

import java.util.NoSuchElementException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;

import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;

import reactor.netty.NettyInbound;
import reactor.netty.NettyPipeline;

/**
 * A client's TCP connection below the HTTP abstraction. Reactive demand alone does not tell
 * whether a client reads: the transport takes up to hundreds of frames ahead into its own
 * queue. Netty's writability does (false once the unsent bytes pass the high water mark), so an
 * outbox hands over a frame only while the connection is writable and keeps just the latest
 * otherwise; and a client that stopped reading is dropped at once rather than politely closed
 * behind writes it will never take. On a server other than Reactor Netty these degrade to
 * "always writable" and a no-op.
 */
final class ClientChannel {

    static final ClientChannel NONE = new ClientChannel(null);
    /**
     * The name Netty's extension handler gives the permessage-deflate encoder it adds to the
     * pipeline once the handshake response agreeing to the extension is written (its class name).
     */
    private static final String DEFLATE_ENCODER =
            "io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateEncoder";

    /**
     * The name Netty's server handshaker gives the WebSocket frame encoder; writing from its
     * context starts the write at the handler below it.
     */
    private static final String WEBSOCKET_ENCODER = "wsencoder";

    private final Channel channel;
    /** The frame encoder's context, once looked up; touched by the outbox's drain only, one write at a time. */
    private ChannelHandlerContext belowEncoder;

    private ClientChannel(Channel channel) {
        this.channel = channel;
    }

    static ClientChannel of(ServerHttpRequest request) {
        Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
        if (nativeRequest instanceof NettyInbound inbound) {
            AtomicReference<Channel> found = new AtomicReference<>();
            inbound.withConnection(connection -> found.set(connection.channel()));
            if (found.get() != null) {
                return new ClientChannel(found.get());
            }
        }
        return NONE;
    }

    /**
     * The event loop that writes to this connection, or null off Netty. Handing it a frame on
     * that loop lets the transport write at once instead of scheduling a task per client.
     */
    Executor eventLoop() {
        return channel == null ? null : channel.eventLoop();
    }

    /** Whether this WebSocket connection negotiated permessage-deflate (false off Netty). */
    boolean permessageDeflate() {
        return channel != null && channel.pipeline().get(DEFLATE_ENCODER) != null;
    }

    /** Whether {@link #write} works: only on Netty. */
    boolean writesDirectly() {
        return channel != null;
    }

    /**
     * Writes {@code bytes}, already a whole protocol unit (a WebSocket frame) whose memory other
     * connections share, straight to the connection and flushes: no reactive stream, no promise,
     * and none of the WebSocket encoders (the write starts below the frame encoder, so only what
     * lies under it, TLS say, still sees the bytes). Takes ownership: the transport releases
     * {@code bytes} once written, or when the write fails. Cheapest on the connection's event
     * loop (elsewhere Netty hands the write to it).
     */
    void write(ByteBuf bytes) {
        ChannelHandlerContext below = belowEncoder;
        if (below == null || below.isRemoved()) {
            below = channel.pipeline().context(WEBSOCKET_ENCODER);
            belowEncoder = below;
        }
        if (below != null) {
            below.writeAndFlush(bytes, channel.voidPromise());
        }
        else {
            channel.writeAndFlush(bytes, channel.voidPromise());
        }
    }

    boolean writable() {
        return channel == null || channel.isWritable();
    }

    /** Closes the connection now, discarding what it has not sent. */
    void abort() {
        if (channel != null) {
            channel.close();
        }
    }

    /** Runs {@code action} each time the connection becomes writable again; answers how to stop. */
    Runnable onWritable(Runnable action) {
        if (channel == null) {
            return () -> {
            };
        }
        ChannelInboundHandlerAdapter watcher = new ChannelInboundHandlerAdapter() {
            @Override
            public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                if (ctx.channel().isWritable()) {
                    action.run();
                }
                ctx.fireChannelWritabilityChanged();
            }
        };
        ChannelPipeline pipeline = channel.pipeline();
        String name = "leaderboard.writability." + Integer.toHexString(System.identityHashCode(watcher));
        try {
            if (pipeline.get(NettyPipeline.ReactiveBridge) != null) {
                pipeline.addBefore(NettyPipeline.ReactiveBridge, name, watcher);
            }
            else {
                pipeline.addLast(name, watcher);
            }
        }
        catch (NoSuchElementException | IllegalArgumentException ex) {
            // The connection closed meanwhile: there is nothing left to watch.
        }
        return () -> {
            try {
                pipeline.remove(watcher);
            }
            catch (NoSuchElementException ex) {
                // Already gone with the connection.
            }
        };
    }
}

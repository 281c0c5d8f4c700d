package org.leaderboard.loadtest;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Many live-stream spectators of one campaign in one JVM, on plain Netty: a few event-loop
 * threads, no per-client task or queue, and each frame read only as far as its leading
 * {@code "type"}, {@code "seq"} and {@code totals} (the contract puts them first), copied out of
 * the buffer into a small scratch array, never decoded to a String. That keeps 10,000 clients at
 * ~100,000 frames/s cheap enough to share two cores with the service under test.
 *
 * <p>With {@code deflate} (the default) a WebSocket spectator offers permessage-deflate as a browser
 * does, but asking the server to compress each message on its own ({@code server_no_context_takeover},
 * RFC 7692); it checks the server agreed, and inflates each compressed frame with a fresh inflater
 * only as far as the scratch array (the leading fields), so reading stays as cheap as without
 * compression. A server answering without {@code server_no_context_takeover} would need a full
 * inflate of every message: the spectator then fails its connection rather than guess.
 *
 * <p>For every frame a client records, per batch of {@link SpectatorIngest.Log} that the frame's
 * {@code donationCount} covers and that the client had not seen yet, the lag from the batch's
 * acceptance to this frame's arrival. Counters live per event loop and are only touched on it;
 * {@link #collect} reads them on their loops.
 */
final class SpectatorClients implements Spectators {

    enum Transport { WS, SSE }

    private static final int MAX_FRAME_BYTES = 1 << 20;
    /** The fields read sit in the first few hundred bytes; a frame is scanned this far at most. */
    private static final int SCAN_BYTES = 2048;
    /** What a compressed frame is inflated to first: enough for the leading fields of this bench's frames. */
    private static final int HEAD_BYTES = 512;
    private static final byte[] TYPE = key("type");
    private static final byte[] SEQ = key("seq");
    private static final byte[] TOTALS = key("totals");
    private static final byte[] DONATION_COUNT = key("donationCount");
    private static final byte[] RAISED = key("raisedMinor");
    private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);
    /** The empty stored block a permessage-deflate sender drops from each message (RFC 7692 7.2.2). */
    private static final byte[] DEFLATE_TAIL = {0, 0, (byte) 0xff, (byte) 0xff};
    private static final String DEFLATE_OFFER =
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

    private final Transport transport;
    private final boolean deflate;
    private final URI streamUri;
    private final String host;
    private final int port;
    private final String origin;
    private final SpectatorIngest.Log log;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final Map<EventExecutor, LoopStats> loops = new IdentityHashMap<>();
    private final Semaphore pending;

    /** Frames that arrive in [measureFrom, measureTo) count towards frames/s. */
    volatile long measureFromNanos = Long.MAX_VALUE;
    volatile long measureToNanos = Long.MAX_VALUE;
    /** Set when the bench closes the connections: closes after that are not failures. */
    private volatile boolean closing;

    /** Frames received, readable while the run goes on (the progress lines). */
    final LongAdder framesSoFar = new LongAdder();
    /** Longest delay of a probe task on a client event loop in the measured window, ns. */
    final AtomicLong maxLoopDelayNanos = new AtomicLong();
    final AtomicInteger started = new AtomicInteger();
    /** Connections whose snapshot arrived and that are still open. */
    final AtomicInteger open = new AtomicInteger();
    final AtomicInteger everOpen = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final AtomicInteger closedAfterSnapshot = new AtomicInteger();
    /** Why connections failed before their snapshot, or closed after it. */
    final Map<String, LongAdder> reasons = new ConcurrentHashMap<>();

    SpectatorClients(Transport transport, String baseUrl, String campaignId, String origin, int threads,
            int maxPendingConnects, boolean deflate, SpectatorIngest.Log log) {
        this.transport = transport;
        this.deflate = transport == Transport.WS && deflate;
        URI base = URI.create(baseUrl);
        this.host = base.getHost();
        this.port = base.getPort() > 0 ? base.getPort() : 80;
        this.streamUri = transport == Transport.WS
                ? URI.create("ws://" + host + ":" + port + "/ws/campaigns/" + campaignId)
                : URI.create(baseUrl + "/api/campaigns/" + campaignId + "/stream");
        this.origin = origin;
        this.log = log;
        this.pending = new Semaphore(maxPendingConnects);
        this.group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
        for (EventExecutor loop : group) loops.put(loop, new LoopStats());
        this.bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        Spectator s = new Spectator(loops.get(ch.eventLoop()));
                        if (transport == Transport.WS) {
                            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(64 * 1024),
                                    s.handshakeWatcher(), new WebSocketClientProtocolHandler(wsConfig()),
                                    new WebSocketFrameAggregator(MAX_FRAME_BYTES), s);
                        } else {
                            ch.pipeline().addLast(new HttpClientCodec(), s);
                        }
                    }
                });
    }

    @Override
    public URI streamUri() {
        return streamUri;
    }

    @Override
    public int open() {
        return open.get();
    }

    @Override
    public int failed() {
        return failed.get();
    }

    @Override
    public int closedAfterSnapshot() {
        return closedAfterSnapshot.get();
    }

    @Override
    public long framesSoFar() {
        return framesSoFar.sum();
    }

    @Override
    public void measureWindow(long fromNanos, long toNanos) {
        measureFromNanos = fromNanos;
        measureToNanos = toNanos;
    }

    @Override
    public long maxLoopDelayNanos() {
        return maxLoopDelayNanos.get();
    }

    @Override
    public String loopDelayMeaning() {
        return "a probe task (one per event loop, every second) waited";
    }

    private WebSocketClientProtocolConfig wsConfig() {
        HttpHeaders headers = new DefaultHttpHeaders();
        if (origin != null) headers.set(HttpHeaderNames.ORIGIN, origin);
        if (deflate) headers.set(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS, DEFLATE_OFFER);
        return WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(streamUri)
                .version(WebSocketVersion.V13)
                .allowExtensions(deflate) // RSV1 marks a compressed message
                .customHeaders(headers)
                .generateOriginHeader(false) // a browser Origin must be on the service's allow-list
                .maxFramePayloadLength(MAX_FRAME_BYTES)
                .handshakeTimeoutMillis(30_000)
                .handleCloseFrames(false) // the spectator reads the close status itself
                .dropPongFrames(true)
                // Validating UTF-8 reads every byte of every frame: at ~500 MB/s the client's largest cost.
                .withUTF8Validator(false)
                .build();
    }

    /**
     * Opens {@code n} connections at {@code perSecond}, with at most {@code maxPendingConnects}
     * waiting for their snapshot at once; returns when the last one is started.
     */
    @Override
    public void connect(int n, double perSecond) throws InterruptedException {
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long due = start + (long) (i * 1e9 / perSecond);
            long wait = due - System.nanoTime();
            if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
            pending.acquire();
            started.incrementAndGet();
            // A failed TCP connect never makes the channel active, so the spectator hears nothing of it.
            bootstrap.connect(host, port).addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    failed.incrementAndGet();
                    reason("connect: " + f.cause().getClass().getSimpleName() + " " + f.cause().getMessage());
                    pending.release();
                }
            });
        }
    }

    @Override
    public boolean awaitSettled(long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (everOpen.get() + failed.get() < started.get()) {
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(50);
        }
        return true;
    }

    private void reason(String r) {
        reasons.computeIfAbsent(r, k -> new LongAdder()).increment();
    }

    @Override
    public String reasons() {
        if (reasons.isEmpty()) return "none";
        Map<String, Long> sorted = new TreeMap<>();
        reasons.forEach((k, v) -> sorted.put(k, v.sum()));
        return sorted.toString();
    }

    /**
     * Measures how late a task runs on each event loop, i.e. how far the client lags behind its
     * sockets; call about once a second. The longest delay inside the measured window is kept:
     * frames wait at least that long in the client before they are timed.
     *
     * @return the longest delay of the previous probe, ns
     */
    @Override
    public long probeLoops() {
        long worst = lastProbeWorst.getAndSet(0);
        for (EventExecutor loop : loops.keySet()) {
            long submitted = System.nanoTime();
            loop.execute(() -> {
                long now = System.nanoTime();
                long delay = now - submitted;
                lastProbeWorst.accumulateAndGet(delay, Math::max);
                if (now >= measureFromNanos && now < measureToNanos) maxLoopDelayNanos.accumulateAndGet(delay, Math::max);
            });
        }
        return worst;
    }

    private final AtomicLong lastProbeWorst = new AtomicLong();

    /** What every event loop counted, merged; {@code expectCount/expectRaised}: the final totals. */
    @Override
    public Collected collect(long expectCount, long expectRaised) throws Exception {
        Collected all = new Collected();
        for (Map.Entry<EventExecutor, LoopStats> e : loops.entrySet()) {
            LoopStats s = e.getValue();
            // A loop still working through a backlog of frames runs the task late, not never.
            Collected part = e.getKey().submit(() -> s.collect(log, expectCount, expectRaised)).get(5, TimeUnit.MINUTES);
            all.add(part);
        }
        return all;
    }

    /** Closes every connection (WebSocket: with a close frame) and stops the event loops. */
    @Override
    public void close() throws InterruptedException {
        closing = true;
        for (Map.Entry<EventExecutor, LoopStats> e : loops.entrySet()) {
            e.getKey().execute(() -> {
                for (Spectator s : new ArrayList<>(e.getValue().live)) s.shutdown();
            });
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (open.get() > 0 && System.nanoTime() < deadline) Thread.sleep(50);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
    }

    /** Totals over all event loops, computed at the end of the run. */
    static class Collected {
        long frames;
        long measuredFrames;
        long measuredBytes;
        long snapshots;
        long resyncs;
        long seqGaps;
        long countRegressions;
        long unparsable;
        long early;
        long heartbeats;
        long openAtEnd;
        long finalOk;
        long missing;
        String finalMismatch;
        final SpectatorHistogram lag = new SpectatorHistogram();
        final SpectatorHistogram toSnapshot = new SpectatorHistogram();

        long compressedFrames;
        /** Compressed frames whose head the native client took from an identical message it had just inflated. */
        long headsReused;

        void add(Collected o) {
            compressedFrames += o.compressedFrames;
            headsReused += o.headsReused;
            frames += o.frames;
            measuredFrames += o.measuredFrames;
            measuredBytes += o.measuredBytes;
            snapshots += o.snapshots;
            resyncs += o.resyncs;
            seqGaps += o.seqGaps;
            countRegressions += o.countRegressions;
            unparsable += o.unparsable;
            early += o.early;
            heartbeats += o.heartbeats;
            openAtEnd += o.openAtEnd;
            finalOk += o.finalOk;
            missing += o.missing;
            if (finalMismatch == null) finalMismatch = o.finalMismatch;
            lag.add(o.lag);
            toSnapshot.add(o.toSnapshot);
        }
    }

    /**
     * Counters of one event loop, only touched by that loop's thread; the fields computed at the
     * end (open spectators, final state, missing pairs) stay 0 here.
     */
    static final class LoopStats extends Collected {
        final byte[] scratch = new byte[SCAN_BYTES];
        final Inflater inflater = new Inflater(true);
        /** Frames that arrived compressed (whole run). */
        long deflated;
        final Set<Spectator> live = Collections.newSetFromMap(new IdentityHashMap<>());

        Collected collect(SpectatorIngest.Log log, long expectCount, long expectRaised) {
            // A batch whose frame came before the ingest thread logged its answer is walked by
            // the next frame; after the last batch there is none, so it is walked here (shown
            // early, as observe() counts it).
            long now = System.nanoTime();
            for (Spectator s : live) {
                s.observe(s.covered, now);
            }
            Collected c = new Collected();
            c.add(this);
            c.compressedFrames += deflated;
            int first = log.firstMeasured;
            int end = Math.min(log.endMeasured, log.size);
            for (Spectator s : live) {
                c.openAtEnd++;
                if (s.lastCount == expectCount && s.lastRaised == expectRaised) {
                    c.finalOk++;
                } else if (c.finalMismatch == null) {
                    c.finalMismatch = "donationCount=" + s.lastCount + " raisedMinor=" + s.lastRaised;
                }
                if (first != Integer.MAX_VALUE) c.missing += Math.max(0, end - Math.max(first, s.nextBatch));
            }
            return c;
        }
    }

    /** One spectator connection: the last handler of its pipeline. */
    final class Spectator extends ChannelInboundHandlerAdapter {
        private final LoopStats st;
        /** The channel is initialised as its connect starts. */
        private final long connectStartNanos = System.nanoTime();
        private boolean settled;
        private boolean snapshotSeen;
        private long lastSeq = -1;
        /** Highest donationCount any frame of this client showed. */
        private long covered = -1;
        /** First batch of the log this client has not seen in a frame yet. */
        int nextBatch;
        long lastCount = -1;
        long lastRaised = -1;
        private Channel channel;
        private ByteBuf sseBuffer;
        /** Whether the server agreed to compress each message on its own (see the class comment). */
        private boolean inflateFresh;

        Spectator(LoopStats st) {
            this.st = st;
        }

        /** Sits before the WebSocket handshaker and reads the extensions the server agreed to. */
        ChannelInboundHandlerAdapter handshakeWatcher() {
            return new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
                    if (msg instanceof FullHttpResponse res && res.status().code() == 101) {
                        String agreed = res.headers().get(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS);
                        if (agreed != null && agreed.contains("permessage-deflate")) {
                            if (!deflate || !agreed.contains("server_no_context_takeover")) {
                                fail("server agreed to '" + agreed + "'");
                                ReferenceCountUtil.release(msg);
                                ctx.close();
                                return;
                            }
                            inflateFresh = true;
                        }
                        ctx.fireChannelRead(msg);
                        ctx.pipeline().remove(this);
                        return;
                    }
                    ctx.fireChannelRead(msg);
                }
            };
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            channel = ctx.channel();
            if (transport == Transport.SSE) {
                String path = streamUri.getRawPath();
                FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
                req.headers().set(HttpHeaderNames.HOST, host + ":" + port)
                        .set(HttpHeaderNames.ACCEPT, "text/event-stream");
                if (origin != null) req.headers().set(HttpHeaderNames.ORIGIN, origin);
                ctx.writeAndFlush(req);
                sseBuffer = ctx.alloc().buffer(4096);
            }
            super.channelActive(ctx);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                fail("websocket handshake timeout");
                ctx.close();
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            long now = System.nanoTime();
            try {
                if (msg instanceof TextWebSocketFrame text) {
                    if ((text.rsv() & 4) != 0) {
                        onCompressedFrame(text.content(), now);
                    } else {
                        onFrame(text.content(), now);
                    }
                } else if (msg instanceof CloseWebSocketFrame close) {
                    if (!closing) reason("closed by the service: " + close.statusCode() + " " + close.reasonText());
                    ctx.close();
                } else if (msg instanceof WebSocketFrame) {
                    st.unparsable++; // binary or stray continuation
                } else if (msg instanceof HttpResponse res) {
                    if (res.status().code() != 200) {
                        fail("HTTP " + res.status().code());
                        ctx.close();
                    }
                    if (msg instanceof HttpContent content) onSse(content, now);
                } else if (msg instanceof HttpContent content) {
                    onSse(content, now);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void onSse(HttpContent content, long now) {
            sseBuffer.writeBytes(content.content());
            while (true) {
                int lf = sseBuffer.indexOf(sseBuffer.readerIndex(), sseBuffer.writerIndex(), (byte) '\n');
                if (lf < 0) break;
                int from = sseBuffer.readerIndex();
                int to = lf > from && sseBuffer.getByte(lf - 1) == '\r' ? lf - 1 : lf;
                if (to - from > DATA.length && startsWith(sseBuffer, from, DATA)) {
                    int start = from + DATA.length;
                    if (sseBuffer.getByte(start) == ' ') start++;
                    onFrame(sseBuffer.slice(start, to - start), now);
                } else if (to > from && sseBuffer.getByte(from) == ':') {
                    st.heartbeats++;
                }
                sseBuffer.readerIndex(lf + 1);
            }
            sseBuffer.discardSomeReadBytes();
            if (content instanceof LastHttpContent && !closing) {
                if (snapshotSeen) reason("SSE stream ended by the service");
                channel.close();
            }
        }

        private void onFrame(ByteBuf frame, long now) {
            count(frame, now);
            byte[] b = st.scratch;
            int len = Math.min(frame.readableBytes(), b.length);
            frame.getBytes(frame.readerIndex(), b, 0, len);
            onFrameHead(b, len, now);
        }

        /** A permessage-deflate message: inflated only as far as the scratch array holds. */
        private void onCompressedFrame(ByteBuf frame, long now) {
            count(frame, now);
            st.deflated++;
            if (!inflateFresh) {
                st.unparsable++; // compressed without having agreed to it
                return;
            }
            byte[] b = st.scratch;
            Inflater inflater = st.inflater;
            inflater.reset();
            inflater.setInput(frame.nioBuffer());
            int len = 0;
            boolean tail = false;
            // The totals sit in the first few hundred bytes: inflate that far, further only if needed.
            int want = HEAD_BYTES;
            try {
                while (len < b.length) {
                    if (len >= want) {
                        if (headComplete(b, len)) break;
                        want = b.length;
                    }
                    int n = inflater.inflate(b, len, want - len);
                    len += n;
                    if (n == 0) {
                        if (inflater.needsInput() && !tail) {
                            inflater.setInput(DEFLATE_TAIL);
                            tail = true;
                        } else {
                            break;
                        }
                    }
                }
            } catch (DataFormatException e) {
                st.unparsable++;
                return;
            }
            onFrameHead(b, len, now);
        }

        /** Whether the first {@code len} bytes hold the fields {@link #onFrameHead} reads, numbers ended. */
        private boolean headComplete(byte[] b, int len) {
            int totals = find(b, len, 0, TOTALS);
            if (totals < 0) return false;
            int dc = find(b, len, totals, DONATION_COUNT);
            int rm = find(b, len, totals, RAISED);
            return dc >= 0 && rm >= 0 && number(b, len, dc) >= 0 && number(b, len, rm) >= 0;
        }

        private void count(ByteBuf frame, long now) {
            st.frames++;
            framesSoFar.increment();
            if (now >= measureFromNanos && now < measureToNanos) {
                st.measuredFrames++;
                st.measuredBytes += frame.readableBytes();
            }
        }

        /** The first {@code len} bytes of a frame's JSON, in {@code b}. */
        private void onFrameHead(byte[] b, int len, long now) {
            int t = find(b, len, 0, TYPE);
            int s = t < 0 ? -1 : find(b, len, t, SEQ);
            int totals = s < 0 ? -1 : find(b, len, s, TOTALS);
            int dc = totals < 0 ? -1 : find(b, len, totals, DONATION_COUNT);
            int rm = totals < 0 ? -1 : find(b, len, totals, RAISED);
            if (dc < 0 || rm < 0 || t + 1 >= len || b[t] != '"') {
                st.unparsable++;
                return;
            }
            boolean snapshot = b[t + 1] == 's';
            long seq = number(b, len, s);
            long count = number(b, len, dc);
            long raised = number(b, len, rm);
            if (seq < 0 || count < 0 || raised < 0) {
                st.unparsable++;
                return;
            }
            if (snapshot) {
                st.snapshots++;
                if (snapshotSeen) st.resyncs++;
            } else if (lastSeq >= 0 && seq != lastSeq + 1) {
                st.seqGaps++;
            }
            lastSeq = seq;
            if (count < lastCount) st.countRegressions++;
            lastCount = count;
            lastRaised = raised;
            if (!snapshotSeen) {
                snapshotSeen = true;
                onFirstFrame(now, count);
            }
            observe(count, now);
        }

        private void onFirstFrame(long now, long count) {
            st.toSnapshot.record(now - connectStartNanos);
            st.live.add(this);
            open.incrementAndGet();
            everOpen.incrementAndGet();
            settle();
            // Batches the first frame already shows were accepted before this client was there.
            int size = log.size;
            while (nextBatch < size && log.cumulative[nextBatch] <= count) nextBatch++;
            covered = count;
        }

        /** Lags of the batches this frame shows for the first time. */
        private void observe(long count, long now) {
            int size = log.size;
            while (nextBatch < size && log.cumulative[nextBatch] <= count) {
                if (log.measured(nextBatch)) {
                    if (log.cumulative[nextBatch] <= covered || now < log.acceptedAtNanos[nextBatch]) {
                        // An earlier frame showed it before the ingest thread had logged its answer.
                        st.early++;
                        st.lag.record(0);
                    } else {
                        st.lag.record(now - log.acceptedAtNanos[nextBatch]);
                    }
                }
                nextBatch++;
            }
            if (count > covered) covered = count;
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (sseBuffer != null) {
                sseBuffer.release();
                sseBuffer = null;
            }
            if (snapshotSeen) {
                st.live.remove(this);
                open.decrementAndGet();
                if (!closing) {
                    closedAfterSnapshot.incrementAndGet();
                    reason("connection closed after the snapshot");
                }
            } else {
                fail("closed before the snapshot");
            }
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof WebSocketClientHandshakeException h && h.response() != null) {
                fail("websocket handshake answered " + h.response().status().code());
            } else {
                String what = cause.getClass().getSimpleName() + ": " + cause.getMessage();
                if (snapshotSeen) {
                    if (!closing) reason("error after the snapshot: " + what);
                } else {
                    fail(what);
                }
            }
            ctx.close();
        }

        private void fail(String why) {
            if (settled) return;
            failed.incrementAndGet();
            reason(why);
            settle();
        }

        private void settle() {
            if (!settled) {
                settled = true;
                pending.release();
            }
        }

        void shutdown() {
            if (transport == Transport.WS && channel.isActive()) {
                channel.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE))
                        .addListener(ChannelFutureListener.CLOSE);
            } else {
                channel.close();
            }
        }
    }

    private static byte[] key(String name) {
        return ("\"" + name + "\"").getBytes(StandardCharsets.US_ASCII);
    }

    private static boolean startsWith(ByteBuf buf, int at, byte[] prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if (buf.getByte(at + i) != prefix[i]) return false;
        }
        return true;
    }

    /** Position just after {@code "key":} (and spaces) at or after {@code from}, or -1. */
    static int find(byte[] b, int len, int from, byte[] key) {
        byte first = key[0];
        outer:
        for (int i = from; i <= len - key.length; i++) {
            if (b[i] != first) continue;
            for (int k = 1; k < key.length; k++) {
                if (b[i + k] != key[k]) continue outer;
            }
            int j = i + key.length;
            while (j < len && b[j] == ' ') j++;
            if (j >= len || b[j] != ':') continue;
            j++;
            while (j < len && b[j] == ' ') j++;
            return j;
        }
        return -1;
    }

    /** The non-negative integer at {@code at}, or -1. */
    static long number(byte[] b, int len, int at) {
        long v = 0;
        int i = at;
        while (i < len && b[i] >= '0' && b[i] <= '9') {
            v = v * 10 + (b[i] - '0');
            i++;
        }
        return i == at || i == len ? -1 : v;
    }
}

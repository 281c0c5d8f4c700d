package org.leaderboard.live;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.Deflater;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.IllegalReferenceCountException;

import org.leaderboard.campaign.Campaign;
import org.leaderboard.leaderboard.Board;
import org.leaderboard.leaderboard.BoardEntry;
import org.leaderboard.leaderboard.FeedEntry;
import org.leaderboard.leaderboard.LiveView;
import org.leaderboard.leaderboard.Milestone;
import org.leaderboard.leaderboard.ReadJson;

import tools.jackson.databind.json.JsonMapper;

/**
 * One state of a campaign's live stream, numbered by {@code seq}, with its messages serialized
 * once for every client: the update from the previous frame and, on first demand, the snapshot
 * (for a client that joins or fell behind), each also compressed once for WebSocket clients that
 * negotiated permessage-deflate. Immutable apart from those cached encodings.
 */
final class Frame {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Netty's default (pooling) allocator, the one connections use. */
    private static final ByteBufAllocator ALLOCATOR = ByteBufAllocator.DEFAULT;
    private static final LongAdder NATIVE_BYTES = new LongAdder();
    private static final byte[] SSE_DATA = "data:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SSE_END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    /** The empty stored block a sync flush ends with; RFC 7692 has the sender drop it, the receiver add it. */
    private static final byte[] FLUSH_TAIL = {0, 0, (byte) 0xff, (byte) 0xff};

    final long seq;
    /** Recording time (epoch ms) of the newest event this frame brought, or -1 when it brought none. */
    final long newestEventMillis;
    private final Map<String, Object> totals;
    /** The watched fundraiser's standing, on a fundraiser's stream ({@code ?fundraiser=}); else null. */
    private final Map<String, Object> standing;
    private final LiveView view;
    private final byte[] update;
    private volatile byte[] snapshot;
    /** The other forms of the update and the snapshot, by {@link #index}, built on first demand. */
    private final AtomicReferenceArray<byte[]> forms = new AtomicReferenceArray<>(Form.values().length * 2);
    /**
     * The whole WebSocket frames of the update and the snapshot, plain then deflated, by
     * {@link #index}, in native memory shared by every connection; built on first demand.
     */
    private final AtomicReferenceArray<ByteBuf> wire = new AtomicReferenceArray<>(4);
    private volatile boolean released;

    /** The forms a message is sent in besides its plain JSON. */
    private enum Form {
        /** One Server-Sent Event. */
        SSE,
        /** The payload of a permessage-deflate message. */
        DEFLATED
    }

    private Frame(long seq, Map<String, Object> totals, Map<String, Object> standing, LiveView view, byte[] update,
            long newestEventMillis) {
        this.seq = seq;
        this.totals = totals;
        this.standing = standing;
        this.view = view;
        this.update = update;
        this.newestEventMillis = newestEventMillis;
    }

    /** The first frame of a stream: a snapshot only. */
    static Frame first(Campaign campaign, LiveView view) {
        return first(campaign, view, null);
    }

    /** The first frame of a fundraiser's stream, with its {@code standing} (see {@link StandingJson}). */
    static Frame first(Campaign campaign, LiveView view, Map<String, Object> standing) {
        return new Frame(1, ReadJson.totals(campaign, view.totals()), standing, view, null, -1);
    }

    /**
     * The frame after {@code previous} showing {@code view}, or null when nothing a client sees
     * changed. Its update carries the totals and only what changed: boards in full, new feed entries.
     */
    static Frame next(Frame previous, Campaign campaign, LiveView view) {
        return next(previous, campaign, view, null);
    }

    /**
     * The same on a fundraiser's stream: the update also carries the fundraiser's {@code standing}
     * when it changed (and is sent when only it changed).
     */
    static Frame next(Frame previous, Campaign campaign, LiveView view, Map<String, Object> standing) {
        Map<String, Object> totals = ReadJson.totals(campaign, view.totals());
        Map<String, Object> boards = new LinkedHashMap<>();
        for (Board board : Board.values()) {
            List<BoardEntry> entries = view.boards().get(board);
            if (entries != null && !Objects.equals(entries, previous.view.boards().get(board))) {
                boards.put(board.wire(), entries.stream().map(ReadJson::entry).toList());
            }
        }
        boolean feedReplaced = rewritten(previous.view.feed(), view.feed());
        List<FeedEntry> added = feedReplaced ? view.feed() : newEntries(previous.view.feed(), view.feed());
        boolean standingChanged = !Objects.equals(standing, previous.standing);
        Map<String, Object> viral = viralChanges(previous.view, view);
        if (totals.equals(previous.totals) && boards.isEmpty() && added.isEmpty() && !standingChanged
                && !feedReplaced && viral.isEmpty()) {
            return null;
        }
        long seq = previous.seq + 1;
        Map<String, Object> json = message("update", seq, totals);
        if (standingChanged && standing != null) {
            json.put("standing", standing);
        }
        if (!boards.isEmpty()) {
            json.put("leaderboards", boards);
        }
        if (!added.isEmpty() || feedReplaced) {
            json.put("feed", added.stream().map(ReadJson::feed).toList());
        }
        if (feedReplaced) {
            json.put("feedReplaced", true);
        }
        json.putAll(viral);
        long newest = view.totals().equals(previous.view.totals()) || view.totals().updatedAt() == null ? -1
                : view.totals().updatedAt().toEpochMilli();
        return new Frame(seq, totals, standing, view, JSON.writeValueAsBytes(json), newest);
    }

    /** The message for a client whose last message was {@code lastSeq}: the update if it follows, else the snapshot. */
    byte[] json(long lastSeq) {
        return follows(lastSeq) ? update : snapshot();
    }

    /** The same as {@link #json(long)}, as one Server-Sent Event. */
    byte[] sse(long lastSeq) {
        return form(Form.SSE, lastSeq);
    }

    /**
     * The same as {@link #json(long)}, as the payload of a permessage-deflate message (RFC 7692):
     * compressed on its own, with no reference to earlier messages, so one compression serves
     * every client whether or not its decoder keeps the previous messages' context.
     */
    byte[] deflated(long lastSeq) {
        return form(Form.DEFLATED, lastSeq);
    }

    /**
     * {@link #json(long)} as one whole WebSocket text frame, as a server sends it (RFC 6455 5.2:
     * FIN, unmasked), its payload {@link #deflated(long) compressed} (RSV1 set) when {@code deflate}:
     * the bytes to write to a client's connection as they are, the same for every client.
     */
    byte[] webSocketFrame(long lastSeq, boolean deflate) {
        return webSocketFrame(deflate ? deflated(lastSeq) : json(lastSeq), deflate);
    }

    /**
     * {@link #webSocketFrame(long, boolean)} in native memory, once for every connection: each
     * writes a retained duplicate (its own indexes over the same bytes), which the native
     * transport sends from where it lies, where a heap array would be copied into a direct
     * buffer of the connection's allocator first, client after client. The caller owns the
     * duplicate (the transport releases it once written). The memory comes from Netty's pooling
     * allocator and goes back to it deterministically: when the stream has moved past this frame
     * ({@link #release()}) and the last write of it is done, never by the garbage collector. A
     * slow client's outbox that still holds a released frame gets a heap copy instead.
     */
    ByteBuf webSocketWire(long lastSeq, boolean deflate) {
        int index = index(deflate ? 1 : 0, lastSeq);
        while (true) {
            ByteBuf buf = wire.get(index);
            if (buf == null) {
                byte[] bytes = webSocketFrame(lastSeq, deflate);
                if (released) {
                    return Unpooled.wrappedBuffer(bytes);
                }
                ByteBuf fresh = ALLOCATOR.directBuffer(bytes.length, bytes.length).writeBytes(bytes);
                if (!wire.compareAndSet(index, null, fresh)) {
                    fresh.release();
                    continue;
                }
                NATIVE_BYTES.add(bytes.length);
                if (released && wire.compareAndSet(index, fresh, null)) {
                    // Released meanwhile: release() may have missed this slot.
                    free(fresh);
                    return Unpooled.wrappedBuffer(bytes);
                }
                buf = fresh;
            }
            try {
                return buf.retainedDuplicate();
            }
            catch (IllegalReferenceCountException ex) {
                // Freed by release() between the read and the retain: build it again, or copy.
                wire.compareAndSet(index, buf, null);
            }
        }
    }

    /**
     * The stream has moved past this frame: gives its native memory back once the writes still
     * holding a duplicate are done. Idempotent.
     */
    void release() {
        released = true;
        for (int i = 0; i < wire.length(); i++) {
            ByteBuf buf = wire.getAndSet(i, null);
            if (buf != null) {
                free(buf);
            }
        }
    }

    private static void free(ByteBuf buf) {
        NATIVE_BYTES.add(-buf.capacity());
        buf.release();
    }

    /** Native bytes held by frames' cached WebSocket messages (not yet released), across all streams. */
    static long nativeBytes() {
        return NATIVE_BYTES.sum();
    }

    /** Where the {@code kind}-th form of this frame's message for {@code lastSeq} is cached: update, then snapshot. */
    private int index(int kind, long lastSeq) {
        return kind * 2 + (follows(lastSeq) ? 0 : 1);
    }

    private byte[] form(Form form, long lastSeq) {
        int index = index(form.ordinal(), lastSeq);
        byte[] bytes = forms.get(index);
        if (bytes == null) {
            bytes = switch (form) {
                case SSE -> sse(json(lastSeq));
                case DEFLATED -> deflate(json(lastSeq));
            };
            // Racing threads build equal arrays; either may win.
            forms.set(index, bytes);
        }
        return bytes;
    }

    static byte[] webSocketFrame(byte[] payload, boolean rsv1) {
        int length = payload.length;
        int header = length < 126 ? 2 : length < 65536 ? 4 : 10;
        byte[] frame = new byte[header + length];
        frame[0] = (byte) (0x80 | (rsv1 ? 0x40 : 0) | 0x1);
        if (length < 126) {
            frame[1] = (byte) length;
        }
        else if (length < 65536) {
            frame[1] = 126;
            frame[2] = (byte) (length >>> 8);
            frame[3] = (byte) length;
        }
        else {
            frame[1] = 127;
            long l = length;
            for (int i = 0; i < 8; i++) {
                frame[2 + i] = (byte) (l >>> (56 - 8 * i));
            }
        }
        System.arraycopy(payload, 0, frame, header, length);
        return frame;
    }

    boolean follows(long lastSeq) {
        return update != null && lastSeq == seq - 1;
    }

    private byte[] snapshot() {
        byte[] bytes = snapshot;
        if (bytes == null) {
            Map<String, Object> json = message("snapshot", seq, totals);
            if (standing != null) {
                json.put("standing", standing);
            }
            Map<String, Object> boards = new LinkedHashMap<>();
            for (Board board : Board.values()) {
                List<BoardEntry> entries = view.boards().get(board);
                if (entries != null) {
                    boards.put(board.wire(), entries.stream().map(ReadJson::entry).toList());
                }
            }
            json.put("leaderboards", boards);
            json.put("feed", view.feed().stream().map(ReadJson::feed).toList());
            json.put("milestones", ReadJson.milestones(view.viral().milestones()));
            json.put("pledges", ReadJson.pledges(view.viral(), view.totals().shareCount()));
            json.put("matches", ReadJson.matches(view.viral()));
            snapshot = bytes = JSON.writeValueAsBytes(json);
        }
        return bytes;
    }

    /** "type", "seq" and "totals" first, so a client can read the figures without parsing the rest. */
    private static Map<String, Object> message(String type, long seq, Map<String, Object> totals) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("type", type);
        json.put("seq", seq);
        json.put("totals", totals);
        return json;
    }

    /**
     * What changed of the viral mechanics: the milestones crossed ({@code milestones}, the
     * contract's field), all milestones when any definition changed or one was crossed
     * ({@code milestoneList}), and the pledges or matches in full when any figure of them changed.
     */
    private static Map<String, Object> viralChanges(LiveView before, LiveView now) {
        Map<String, Object> json = new LinkedHashMap<>();
        List<Milestone> was = before.viral().milestones();
        List<Milestone> is = now.viral().milestones();
        if (!was.equals(is)) {
            Set<String> reachedBefore = new HashSet<>();
            was.stream().filter(m -> m.reachedAt() != null).forEach(m -> reachedBefore.add(m.id()));
            List<Milestone> crossed = is.stream()
                    .filter(m -> m.reachedAt() != null && !reachedBefore.contains(m.id()))
                    .toList();
            if (!crossed.isEmpty()) {
                json.put("milestones", ReadJson.milestones(crossed));
            }
            json.put("milestoneList", ReadJson.milestones(is));
        }
        List<Map<String, Object>> pledges = ReadJson.pledges(now.viral(), now.totals().shareCount());
        if (!pledges.equals(ReadJson.pledges(before.viral(), before.totals().shareCount()))) {
            json.put("pledges", pledges);
        }
        List<Map<String, Object>> matches = ReadJson.matches(now.viral());
        if (!matches.equals(ReadJson.matches(before.viral()))) {
            json.put("matches", matches);
        }
        return json;
    }

    /** Whether an entry both feeds hold differs between them: moderation rewrote it in place. */
    private static boolean rewritten(List<FeedEntry> before, List<FeedEntry> now) {
        Map<String, FeedEntry> byId = new HashMap<>();
        before.forEach(entry -> byId.put(entry.eventId(), entry));
        for (FeedEntry entry : now) {
            FeedEntry old = byId.get(entry.eventId());
            if (old != null && !old.equals(entry)) {
                return true;
            }
        }
        return false;
    }

    /** Entries of {@code now} (newest first) above the newest one {@code before} had. */
    private static List<FeedEntry> newEntries(List<FeedEntry> before, List<FeedEntry> now) {
        if (before.isEmpty()) {
            return now;
        }
        String head = before.get(0).eventId();
        for (int i = 0; i < now.size(); i++) {
            if (now.get(i).eventId().equals(head)) {
                return now.subList(0, i);
            }
        }
        return now;
    }

    /** Raw DEFLATE of {@code message} from a fresh dictionary, sync-flushed, without the flush's tail. */
    static byte[] deflate(byte[] message) {
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        try {
            deflater.setInput(message);
            ByteArrayOutputStream out = new ByteArrayOutputStream(message.length / 4 + 64);
            byte[] chunk = new byte[Math.max(256, message.length / 2)];
            int written;
            // A sync flush that filled the whole chunk may have more to write.
            do {
                written = deflater.deflate(chunk, 0, chunk.length, Deflater.SYNC_FLUSH);
                out.write(chunk, 0, written);
            }
            while (written == chunk.length);
            byte[] bytes = out.toByteArray();
            int end = bytes.length - FLUSH_TAIL.length;
            if (end < 0 || !Arrays.equals(bytes, end, bytes.length, FLUSH_TAIL, 0, FLUSH_TAIL.length)) {
                throw new IllegalStateException("A sync flush did not end with an empty stored block");
            }
            return Arrays.copyOf(bytes, end);
        }
        finally {
            deflater.end();
        }
    }

    /** JSON holds no raw line breaks (they are escaped in strings), so one data line carries it. */
    private static byte[] sse(byte[] json) {
        byte[] sse = new byte[SSE_DATA.length + json.length + SSE_END.length];
        System.arraycopy(SSE_DATA, 0, sse, 0, SSE_DATA.length);
        System.arraycopy(json, 0, sse, SSE_DATA.length, json.length);
        System.arraycopy(SSE_END, 0, sse, SSE_DATA.length + json.length, SSE_END.length);
        return sse;
    }
}

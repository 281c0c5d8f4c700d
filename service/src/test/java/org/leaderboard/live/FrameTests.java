package org.leaderboard.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.zip.Inflater;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;

import org.junit.jupiter.api.Test;
import org.leaderboard.campaign.Campaign;
import org.leaderboard.leaderboard.Board;
import org.leaderboard.leaderboard.BoardEntry;
import org.leaderboard.leaderboard.FeedEntry;
import org.leaderboard.leaderboard.LiveView;
import org.leaderboard.leaderboard.Totals;

import tools.jackson.databind.json.JsonMapper;

/** What an update carries: the totals, and only the boards and feed entries that changed. */
@SuppressWarnings("unchecked")
class FrameTests {

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    @Test
    void anUpdateCarriesTheTotalsAndOnlyWhatChanged() {
        FeedEntry a = new FeedEntry("pay-a", "Ann", 500, null, "alice", T0);
        FeedEntry b = new FeedEntry("pay-b", null, 700, "Go", "bob", T0.plusSeconds(1));
        Frame first = Frame.first(campaign(), new LiveView(totals(500, 1), boards(List.of(entry(1, "alice", 500))),
                List.of(a)));
        Frame second = Frame.next(first, campaign(), new LiveView(totals(1200, 2),
                boards(List.of(entry(1, "bob", 700), entry(2, "alice", 500))), List.of(b, a)));

        Map<String, Object> update = json(second.json(1));
        assertThat(update).containsEntry("type", "update").containsEntry("seq", 2);
        assertThat(update.keySet()).containsExactly("type", "seq", "totals", "leaderboards", "feed");
        assertThat((Map<String, Object>) update.get("totals")).containsEntry("raisedMinor", 1200)
                .containsEntry("donationCount", 2).containsEntry("currency", "EUR").containsEntry("goalMinor", 100000);
        assertThat((Map<String, Object>) update.get("leaderboards")).containsOnlyKeys("fundraisers", "trending");
        assertThat((List<Map<String, Object>>) update.get("feed")).singleElement()
                .satisfies(e -> assertThat(e).containsEntry("eventId", "pay-b").containsEntry("name", null)
                        .containsEntry("message", "Go"));
        assertThat(second.newestEventMillis).isEqualTo(T0.plusSeconds(1).toEpochMilli());

        Map<String, Object> snapshot = json(second.json(0));
        assertThat(snapshot).containsEntry("type", "snapshot").containsEntry("seq", 2);
        assertThat((Map<String, Object>) snapshot.get("leaderboards")).containsOnlyKeys("fundraisers", "teams",
                "sharers", "trending");
        assertThat((List<?>) snapshot.get("feed")).hasSize(2);
        assertThat(new String(second.sse(1), StandardCharsets.UTF_8))
                .isEqualTo("data:" + new String(second.json(1), StandardCharsets.UTF_8) + "\n\n");
    }

    @Test
    void nothingVisibleChangedMeansNoFrame() {
        LiveView view = new LiveView(totals(500, 1), boards(List.of(entry(1, "alice", 500))), List.of());
        Frame first = Frame.first(campaign(), view);
        assertThat(Frame.next(first, campaign(), new LiveView(totals(500, 1),
                boards(List.of(entry(1, "alice", 500))), List.of()))).isNull();
        Frame renamed = Frame.next(first, campaign(), new LiveView(totals(500, 1),
                boards(List.of(new BoardEntry(1, "alice", "Alice B.", 500))), List.of()));
        assertThat(renamed).as("a rename is visible").isNotNull();
        assertThat(renamed.newestEventMillis).as("but brought no event").isEqualTo(-1);
    }

    @Test
    void aFeedThatMovedPastItsWindowSendsItsNewestEntriesOnly() {
        FeedEntry old = new FeedEntry("pay-old", "Old", 1, null, null, T0);
        Frame first = Frame.first(campaign(), new LiveView(totals(1, 1), boards(List.of()), List.of(old)));
        List<FeedEntry> twenty = java.util.stream.IntStream.range(0, 20)
                .mapToObj(i -> new FeedEntry("pay-" + (100 - i), "D", 1, null, null, T0)).toList();
        Frame next = Frame.next(first, campaign(), new LiveView(totals(100, 100), boards(List.of()), twenty));
        assertThat((List<?>) json(next.json(1)).get("feed")).hasSize(20);
    }

    @Test
    void eachMessageDeflatesOnItsOwnAndInflatesWithOrWithoutTheReceiversContext() throws Exception {
        FeedEntry a = new FeedEntry("pay-a", "Ann", 500, "Bravo", "alice", T0);
        FeedEntry b = new FeedEntry("pay-b", "Ben", 700, "Bravo", "bob", T0.plusSeconds(1));
        Frame first = Frame.first(campaign(), new LiveView(totals(500, 1), boards(List.of(entry(1, "alice", 500))),
                List.of(a)));
        Frame second = Frame.next(first, campaign(), new LiveView(totals(1200, 2),
                boards(List.of(entry(1, "bob", 700), entry(2, "alice", 500))), List.of(b, a)));
        byte[] snapshot = first.json(0);
        byte[] update = second.json(1);
        assertThat(second.deflated(1)).as("computed once").isSameAs(second.deflated(1));
        assertThat(second.deflated(0)).isNotEqualTo(second.deflated(1));

        // A receiver without context (server_no_context_takeover): a fresh inflater per message.
        assertThat(inflate(new Inflater(true), first.deflated(0))).isEqualTo(snapshot);
        assertThat(inflate(new Inflater(true), second.deflated(1))).isEqualTo(update);
        // A receiver keeping its context (a browser's default): one inflater for the connection.
        Inflater connection = new Inflater(true);
        assertThat(inflate(connection, first.deflated(0))).isEqualTo(snapshot);
        assertThat(inflate(connection, second.deflated(1))).isEqualTo(update);
        assertThat(inflate(connection, second.deflated(0))).isEqualTo(second.json(0));
        assertThat(second.deflated(0).length).isLessThan(second.json(0).length);
    }

    @Test
    void webSocketFramesAreWhatNettysDecoderReadsBackAtEveryLengthEncoding() {
        for (int length : new int[] { 0, 1, 125, 126, 300, 65_535, 65_536, 70_000 }) {
            for (boolean rsv1 : new boolean[] { false, true }) {
                byte[] payload = new byte[length];
                for (int i = 0; i < length; i++) {
                    payload[i] = (byte) ('a' + i % 26);
                }
                EmbeddedChannel client = new EmbeddedChannel(new WebSocket08FrameDecoder(WebSocketDecoderConfig
                        .newBuilder().expectMaskedFrames(false).allowExtensions(true)
                        .maxFramePayloadLength(1 << 20).build()));
                client.writeInbound(Unpooled.wrappedBuffer(Frame.webSocketFrame(payload, rsv1)));
                TextWebSocketFrame frame = client.readInbound();
                try {
                    assertThat(frame).as("length " + length).isNotNull();
                    assertThat(frame.isFinalFragment()).isTrue();
                    assertThat(frame.rsv()).isEqualTo(rsv1 ? 4 : 0);
                    assertThat(ByteBufUtil.getBytes(frame.content())).isEqualTo(payload);
                    assertThat((Object) client.readInbound()).isNull();
                }
                finally {
                    frame.release();
                    client.finishAndReleaseAll();
                }
            }
        }
    }

    @Test
    void theSharedNativeFrameLivesUntilTheStreamMovesOnAndItsLastWriteIsDone() {
        Frame first = Frame.first(campaign(), new LiveView(totals(500, 1), boards(List.of(entry(1, "alice", 500))),
                List.of(new FeedEntry("pay-a", "Ann", 500, null, "alice", T0))));
        long before = Frame.nativeBytes();
        List<ByteBuf> pending = new ArrayList<>();
        for (boolean deflate : new boolean[] { false, true }) {
            byte[] expected = first.webSocketFrame(0, deflate);
            for (int connection = 0; connection < 3; connection++) {
                // What a connection does: writes its own retained duplicate; the transport releases it once sent.
                ByteBuf written = first.webSocketWire(0, deflate);
                assertThat(written.isDirect()).isTrue();
                assertThat(written.hasMemoryAddress()).as("sent from where it lies, not copied").isTrue();
                assertThat(ByteBufUtil.getBytes(written)).isEqualTo(expected);
                if (connection == 2) {
                    pending.add(written); // a slow connection still writing when the stream moves on
                }
                else {
                    written.release();
                }
            }
            assertThat(pending.get(pending.size() - 1).unwrap().refCnt()).as("one shared buffer: the frame's "
                    + "reference and one pending write").isEqualTo(2);
        }
        assertThat(Frame.nativeBytes() - before).isEqualTo(first.webSocketFrame(0, false).length
                + first.webSocketFrame(0, true).length);

        first.release(); // the stream moved on to the next frame
        assertThat(Frame.nativeBytes()).as("the frame's native bytes are accounted as returned").isEqualTo(before);
        for (ByteBuf write : pending) {
            assertThat(write.refCnt()).as("a write still under way keeps its bytes").isEqualTo(1);
            assertThat(ByteBufUtil.getBytes(write)).isNotEmpty();
            ByteBuf shared = write.unwrap();
            write.release();
            assertThat(shared.refCnt()).as("back to the pool with the last write, not at a garbage collection")
                    .isZero();
        }
        // A slow client whose outbox still holds the frame gets a copy on the heap, nothing native to leak.
        ByteBuf late = first.webSocketWire(0, false);
        assertThat(late.isDirect()).isFalse();
        assertThat(ByteBufUtil.getBytes(late)).isEqualTo(first.webSocketFrame(0, false));
        late.release();
        assertThat(Frame.nativeBytes()).isEqualTo(before);
    }

    /** RFC 7692's receiver: the payload plus the empty stored block its sender dropped, inflated. */
    static byte[] inflate(Inflater inflater, byte[] payload) throws Exception {
        byte[] input = Arrays.copyOf(payload, payload.length + 4);
        input[payload.length + 2] = (byte) 0xff;
        input[payload.length + 3] = (byte) 0xff;
        inflater.setInput(input);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] chunk = new byte[64];
        int n;
        do {
            n = inflater.inflate(chunk);
            out.write(chunk, 0, n);
        }
        while (n > 0 || !inflater.needsInput());
        return out.toByteArray();
    }

    static Campaign campaign() {
        return new Campaign("c1", "Night run", null, "EUR", 100000, null, false, T0, T0);
    }

    static Totals totals(long raised, long donations) {
        return new Totals(raised, donations, 0, 0, raised == 0 ? null : T0.plusSeconds(donations - 1));
    }

    static BoardEntry entry(long rank, String id, long score) {
        return new BoardEntry(rank, id, id.substring(0, 1).toUpperCase() + id.substring(1), score);
    }

    /** The fundraisers and trending boards as given, the others empty. */
    static Map<Board, List<BoardEntry>> boards(List<BoardEntry> fundraisers) {
        Map<Board, List<BoardEntry>> boards = new EnumMap<>(Board.class);
        boards.put(Board.FUNDRAISERS, fundraisers);
        boards.put(Board.TEAMS, List.of());
        boards.put(Board.SHARERS, List.of());
        boards.put(Board.TRENDING, fundraisers);
        return boards;
    }

    static LiveView view(long raised, List<FeedEntry> feed) {
        return new LiveView(totals(raised, raised), boards(List.of()), feed);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(byte[] bytes) {
        return JSON.readValue(bytes, Map.class);
    }
}

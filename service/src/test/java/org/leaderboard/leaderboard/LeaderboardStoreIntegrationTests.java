package org.leaderboard.leaderboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.leaderboard.support.RedisMonitor;
import org.leaderboard.support.TestServices;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The live aggregates against a real Redis (database 9): exact figures, at-most-once batches,
 * competition ranks with ties by id, team moves, the trending window, the capped feed, atomic
 * rebuilds under concurrent reads, and memory that does not grow with the number of events.
 */
@SpringBootTest(classes = LeaderboardStoreIntegrationTests.RedisOnly.class)
class LeaderboardStoreIntegrationTests {

    static final String C = "night-run";

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({ DataRedisAutoConfiguration.class, DataRedisReactiveAutoConfiguration.class })
    @EnableConfigurationProperties(ReadProperties.class)
    @Import({ LeaderboardStore.class, LiveRedis.class, RebuildMarker.class, ChangeNotices.class, ReadConfiguration.class })
    static class RedisOnly {

        @Bean
        Clock clock() {
            return Clock.systemUTC();
        }

        @Bean
        SimpleMeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }

    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry registry) {
        TestServices.redis(registry, 9);
        // Every test here FLUSHDBs behind the store's back and reads the same campaign at once:
        // shared reads (SharedReadsTests, ReadSharingIntegrationTests) would hide that for 50 ms.
        registry.add("leaderboard.read.max-age", () -> "0s");
    }

    @Autowired
    LeaderboardStore store;

    @Autowired
    RebuildMarker marker;

    @Autowired
    ChangeNotices notices;

    @Autowired
    LiveRedis liveRedis;

    @Autowired
    ReactiveStringRedisTemplate redis;

    @Autowired
    LettuceConnectionFactory connectionFactory;

    /** Distinct recording times, one millisecond apart, in the current minute or just after. */
    private Instant clock = Instant.now().truncatedTo(ChronoUnit.MINUTES);

    @BeforeEach
    void flushAndCreate() {
        flush();
        store.establish(C).as(StepVerifier::create).expectNext(true).verifyComplete();
    }

    void flush() {
        redis.execute(connection -> connection.serverCommands().flushDb()).then()
                .as(StepVerifier::create).verifyComplete();
    }

    @Test
    void appliesDonationsRefundsAndSharesExactly() {
        team("red", "Red");
        fundraiser("alice", "Alice", "red");
        fundraiser("bob", "Bob", "red");
        fundraiser("carol", "Carol", null);
        List<LiveEvent> batch = List.of(donation("d1", "alice", 1_000), donation("d2", "bob", 500),
                anonymous("d3", "carol", 700), share("s1", "alice"), share("s2", "alice"), share("s3", null),
                refund("r1", "alice", 200), donation("d4", null, 50));
        store.apply(C, 1, batch).as(StepVerifier::create).expectNext(true).verifyComplete();

        store.totals(C).as(StepVerifier::create)
                .expectNext(new Totals(2_050, 4, 200, 3, batch.get(batch.size() - 1).recordedAt()
                        .truncatedTo(ChronoUnit.MILLIS)))
                .verifyComplete();
        assertThat(board(Board.FUNDRAISERS, 0, 10)).containsExactly(new BoardEntry(1, "alice", "Alice", 800),
                new BoardEntry(2, "carol", "Carol", 700), new BoardEntry(3, "bob", "Bob", 500));
        assertThat(board(Board.TEAMS, 0, 10)).containsExactly(new BoardEntry(1, "red", "Red", 1_300));
        assertThat(board(Board.SHARERS, 0, 10)).containsExactly(new BoardEntry(1, "alice", "Alice", 2),
                new BoardEntry(2, "bob", "Bob", 0), new BoardEntry(2, "carol", "Carol", 0));
        store.standing(C, "alice").as(StepVerifier::create).expectNext(new Standing(800, 2, 1, null))
                .verifyComplete();

        // A fundraiser nobody announced still counts, without a name.
        store.apply(C, 2, List.of(donation("d5", "zed", 900))).as(StepVerifier::create).expectNext(true)
                .verifyComplete();
        assertThat(board(Board.FUNDRAISERS, 0, 1)).containsExactly(new BoardEntry(1, "zed", null, 900));
    }

    @Test
    void totalsStayExactBeyondDoublePrecision() {
        long big = (1L << 53) + 1;
        store.replace(C, state(new Totals(big, 1, 0, 0, null), Map.of(), Map.of()), 1).as(StepVerifier::create)
                .expectNext(true).verifyComplete();
        store.apply(C, 2, List.of(donation("d1", null, 1), donation("d2", null, 10_000_000_000L)))
                .as(StepVerifier::create).expectNext(true).verifyComplete();
        store.totals(C).map(Totals::raisedMinor).as(StepVerifier::create).expectNext(big + 10_000_000_001L)
                .verifyComplete();
    }

    @Test
    void appliesABatchAtMostOnce() {
        fundraiser("alice", "Alice", null);
        List<LiveEvent> batch = List.of(donation("d1", "alice", 1_000), share("s1", "alice"));
        assertThat(applied()).isNull();
        store.apply(C, 7, batch).as(StepVerifier::create).expectNext(true).verifyComplete();
        Totals once = store.totals(C).block(TIMEOUT);

        store.apply(C, 7, batch).as(StepVerifier::create).expectNext(false).verifyComplete();
        store.apply(C, 6, List.of(donation("d0", "alice", 5))).as(StepVerifier::create).expectNext(false)
                .verifyComplete();
        store.totals(C).as(StepVerifier::create).expectNext(once).verifyComplete();
        assertThat(board(Board.FUNDRAISERS, 0, 10)).containsExactly(new BoardEntry(1, "alice", "Alice", 1_000));
        assertThat(feed(100)).hasSize(1);
        assertThat(applied()).isEqualTo("7");
        

        // Batch ids are compared as integers, not as text ("10" > "7").
        store.apply(C, 10, List.of(donation("d2", "alice", 1))).as(StepVerifier::create).expectNext(true)
                .verifyComplete();
        store.totals(C).map(Totals::raisedMinor).as(StepVerifier::create).expectNext(1_001L).verifyComplete();
    }

    @Test
    void ranksTiesByCompetitionAndOrdersThemById() {
        Map<String, Long> scores = new LinkedHashMap<>();
        scores.put("z", 500L);
        scores.put("y", 500L);
        scores.put("c", 300L);
        scores.put("a", 300L);
        scores.put("b", 300L);
        scores.put("e", 100L);
        scores.put("d", 100L);
        scores.put("f", 50L);
        List<LiveEvent> events = new ArrayList<>();
        scores.forEach((id, amount) -> {
            fundraiser(id, id.toUpperCase(), null);
            events.add(donation("d-" + id, id, amount));
        });
        store.apply(C, 1, events).as(StepVerifier::create).expectNext(true).verifyComplete();

        assertThat(board(Board.FUNDRAISERS, 0, 100)).containsExactly(entry(1, "y", 500), entry(1, "z", 500),
                entry(3, "a", 300), entry(3, "b", 300), entry(3, "c", 300), entry(6, "d", 100), entry(6, "e", 100),
                entry(8, "f", 50));
        // Pages that start inside a tie group and cross into the next ones.
        assertThat(board(Board.FUNDRAISERS, 1, 1)).containsExactly(entry(1, "z", 500));
        assertThat(board(Board.FUNDRAISERS, 3, 3)).containsExactly(entry(3, "b", 300), entry(3, "c", 300),
                entry(6, "d", 100));
        assertThat(board(Board.FUNDRAISERS, 4, 2)).containsExactly(entry(3, "c", 300), entry(6, "d", 100));
        assertThat(board(Board.FUNDRAISERS, 7, 5)).containsExactly(entry(8, "f", 50));
        assertThat(board(Board.FUNDRAISERS, 8, 5)).isEmpty();
        store.boardSize(C, Board.FUNDRAISERS, Instant.now()).as(StepVerifier::create).expectNext(8L)
                .verifyComplete();

        store.standing(C, "y").as(StepVerifier::create).expectNext(new Standing(500, 0, 1, null)).verifyComplete();
        store.standing(C, "z").as(StepVerifier::create).expectNext(new Standing(500, 0, 1, null)).verifyComplete();
        store.standing(C, "a").as(StepVerifier::create)
                .expectNext(new Standing(300, 0, 3, new Ahead("z", "Z", 500, 200))).verifyComplete();
        store.standing(C, "c").as(StepVerifier::create)
                .expectNext(new Standing(300, 0, 3, new Ahead("z", "Z", 500, 200))).verifyComplete();
        store.standing(C, "d").as(StepVerifier::create)
                .expectNext(new Standing(100, 0, 6, new Ahead("c", "C", 300, 200))).verifyComplete();
        store.standing(C, "f").as(StepVerifier::create)
                .expectNext(new Standing(50, 0, 8, new Ahead("e", "E", 100, 50))).verifyComplete();
        store.standing(C, "nobody").as(StepVerifier::create).verifyComplete();
    }

    @Test
    void movesAFundraisersWholeAmountWithItsTeam() {
        team("red", "Red");
        team("blue", "Blue");
        fundraiser("alice", "Alice", "red");
        fundraiser("bob", "Bob", "red");
        store.apply(C, 1, List.of(donation("d1", "alice", 1_000), donation("d2", "bob", 300)))
                .as(StepVerifier::create).expectNext(true).verifyComplete();
        assertThat(board(Board.TEAMS, 0, 10)).containsExactly(new BoardEntry(1, "red", "Red", 1_300),
                new BoardEntry(2, "blue", "Blue", 0));

        fundraiser("alice", "Alice", "blue");
        fundraiser("alice", "Alice", "blue");
        store.apply(C, 2, List.of(donation("d3", "alice", 50), refund("r1", "bob", 100)))
                .as(StepVerifier::create).expectNext(true).verifyComplete();
        assertThat(board(Board.TEAMS, 0, 10)).containsExactly(new BoardEntry(1, "blue", "Blue", 1_050),
                new BoardEntry(2, "red", "Red", 200));

        fundraiser("alice", "Alice Again", null);
        store.apply(C, 3, List.of(refund("r2", "alice", 100))).as(StepVerifier::create).expectNext(true)
                .verifyComplete();
        assertThat(board(Board.TEAMS, 0, 10)).containsExactly(new BoardEntry(1, "red", "Red", 200),
                new BoardEntry(2, "blue", "Blue", 0));
        assertThat(board(Board.FUNDRAISERS, 0, 10)).containsExactly(new BoardEntry(1, "alice", "Alice Again", 950),
                new BoardEntry(2, "bob", "Bob", 200));

        // Into a team nobody named yet: it appears with the fundraiser's amount.
        fundraiser("bob", "Bob", "green");
        assertThat(board(Board.TEAMS, 0, 10)).containsExactly(new BoardEntry(1, "green", null, 200),
                new BoardEntry(2, "blue", "Blue", 0), new BoardEntry(2, "red", "Red", 0));
    }

    @Test
    void trendsOverTheLastSixtyMinutesOfAChosenClock() {
        // Half an hour ahead, so that even the oldest bucket has not expired in Redis's own time.
        Instant now = Instant.now().plus(Duration.ofMinutes(30));
        store.apply(C, 1, List.of(
                donation("d1", "alice", 5_000, now.minus(Duration.ofMinutes(61))),
                donation("d2", "bob", 300, now.minus(Duration.ofMinutes(59))),
                donation("d3", "alice", 100, now.minus(Duration.ofMinutes(10))),
                donation("d4", "carol", 200, now.minus(Duration.ofMinutes(1))),
                refund("r1", "carol", 200, now),
                donation("d5", "eve", 50, now.minus(Duration.ofMinutes(5)))))
                .as(StepVerifier::create).expectNext(true).verifyComplete();

        store.board(C, Board.TRENDING, 0, 10, now).as(StepVerifier::create)
                .expectNext(List.of(new BoardEntry(1, "bob", null, 300), new BoardEntry(2, "alice", null, 100),
                        new BoardEntry(3, "eve", null, 50)))
                .verifyComplete();
        store.boardSize(C, Board.TRENDING, now).as(StepVerifier::create).expectNext(3L).verifyComplete();
        store.board(C, Board.TRENDING, 1, 10, now.plus(Duration.ofMinutes(2))).as(StepVerifier::create)
                .expectNext(List.of(new BoardEntry(2, "eve", null, 50))).verifyComplete();
        // The window never moves back: a reader whose clock lags sees the newest window.
        store.boardSize(C, Board.TRENDING, now.minus(Duration.ofHours(3))).as(StepVerifier::create).expectNext(2L)
                .verifyComplete();
        store.boardSize(C, Board.TRENDING, now.plus(Duration.ofMinutes(62))).as(StepVerifier::create).expectNext(0L)
                .verifyComplete();
        assertThat(board(Board.FUNDRAISERS, 0, 1)).containsExactly(new BoardEntry(1, "alice", null, 5_100));
    }

    @Test
    void keepsTheNewestHundredDonationsInTheFeed() {
        Instant occurred = Instant.parse("2026-11-22T10:15:30.123456Z");
        List<LiveEvent> first = new ArrayList<>();
        for (int i = 1; i <= 60; i++) {
            first.add(i % 2 == 0 ? anonymous("d" + i, "alice", i) : donation("d" + i, "alice", i));
        }
        first.add(share("s1", "alice"));
        store.apply(C, 1, first).as(StepVerifier::create).expectNext(true).verifyComplete();
        List<LiveEvent> second = new ArrayList<>();
        for (int i = 61; i <= 105; i++) {
            second.add(new LiveEvent(i, "donation", "d" + i, C, null, i, "Donor " + i, false,
                    i == 105 ? "Go!" : null, occurred, next()));
        }
        second.add(refund("r1", "alice", 1));
        store.apply(C, 2, second).as(StepVerifier::create).expectNext(true).verifyComplete();

        List<FeedEntry> feed = feed(100);
        assertThat(feed).hasSize(100);
        assertThat(feed.get(0)).isEqualTo(new FeedEntry("d105", "Donor 105", 105, "Go!", null, occurred));
        assertThat(feed.get(99).eventId()).isEqualTo("d6");
        assertThat(feed.stream().map(FeedEntry::eventId).toList()).isEqualTo(
                IntStream.iterate(105, i -> i - 1).limit(100).mapToObj(i -> "d" + i).toList());
        assertThat(feed.get(45)).isEqualTo(new FeedEntry("d60", null, 60, null, "alice", feed.get(45).at()));
        assertThat(feed.get(46).name()).isEqualTo("Donor of d59");
        assertThat(feed(20)).isEqualTo(feed.subList(0, 20));
    }

    @Test
    void swapsARebuildInAtOnceUnderConcurrentReads() {
        // The old state: 4,000 fundraisers applied live (generation 0), with trend buckets.
        List<LiveEvent> live = new ArrayList<>();
        for (int i = 0; i < 4_000; i++) {
            live.add(donation("old-" + i, id(i), 1_000 + i));
        }
        store.apply(C, 1, live).as(StepVerifier::create).expectNext(true).verifyComplete();
        List<BoardEntry> oldTop = board(Board.FUNDRAISERS, 0, 100);
        Totals oldTotals = store.totals(C).block(TIMEOUT);

        // The new state: 5,000 fundraisers whose best are written by the last chunks, so a
        // half-written board would show other leaders.
        Map<String, Long> raised = new LinkedHashMap<>();
        Map<String, String> names = new LinkedHashMap<>();
        for (int i = 0; i < 5_000; i++) {
            raised.put(id(i), 10L * i);
            names.put(id(i), "Name " + i);
        }
        Totals newTotals = new Totals(raised.values().stream().mapToLong(Long::longValue).sum(), 5_000, 0, 0,
                Instant.parse("2026-11-22T10:00:00Z"));
        CampaignState state = new CampaignState(newTotals, raised, Map.of(), Map.of(),
                Map.of(Math.floorDiv(Instant.now().getEpochSecond(), 60), Map.of(id(1), 10L)), List.of(),
                names, Map.of(), Map.of());
        List<BoardEntry> newTop = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            newTop.add(new BoardEntry(i + 1, id(4_999 - i), "Name " + (4_999 - i), 10L * (4_999 - i)));
        }

        AtomicBoolean swapped = new AtomicBoolean();
        AtomicReference<Boolean> flipped = new AtomicReference<>();
        Flux<Object> reads = Flux.range(0, 4).flatMap(reader -> Mono.defer(() -> reader % 2 == 0
                ? store.board(C, Board.FUNDRAISERS, 0, 100, Instant.now()).map(Object.class::cast)
                : store.totals(C).map(Object.class::cast)).repeat(() -> !swapped.get()));
        Mono<Boolean> rebuild = store.replace(C, state, 2).doOnNext(flipped::set)
                .doFinally(signal -> swapped.set(true));
        List<Object> seen = Flux.merge(reads, rebuild.then(Mono.empty())).collectList().block(TIMEOUT);

        long old = seen.stream().filter(read -> read.equals(oldTop) || read.equals(oldTotals)).count();
        long fresh = seen.stream().filter(read -> read.equals(newTop) || read.equals(newTotals)).count();
        System.out.printf("rebuild of 5,000 fundraisers under %d concurrent reads: %d saw the old state, %d the new%n",
                seen.size(), old, fresh);
        assertThat(flipped.get()).isTrue();
        assertThat(old + fresh).isEqualTo(seen.size());
        assertThat(old).isPositive();
        assertThat(board(Board.FUNDRAISERS, 0, 100)).isEqualTo(newTop);
        store.boardSize(C, Board.FUNDRAISERS, Instant.now()).as(StepVerifier::create).expectNext(5_000L)
                .verifyComplete();
        assertThat(applied()).isEqualTo("2");

        // Only the new generation remains, and it no longer has a deadline.
        String generation = redis.opsForValue().get(LiveKeys.generationKey(C)).block(TIMEOUT);
        List<String> keys = keys();
        assertThat(keys).allMatch(key -> key.equals("lb:{" + C + "}:gen") || key.equals("lb:{" + C + "}:lastgen")
                || key.startsWith("lb:{" + C + "}:" + generation + ":"));
        assertThat(keys).contains("lb:{" + C + "}:" + generation + ":fundraisers");
        assertThat(ttl("lb:{" + C + "}:" + generation + ":fundraisers")).isEqualTo(-1);
        assertThat(ttl("lb:{" + C + "}:" + generation + ":names")).isEqualTo(-1);

        // A rebuild older than what the live generation has applied since is discarded.
        store.apply(C, 3, List.of(donation("late", id(0), 7))).as(StepVerifier::create).expectNext(true)
                .verifyComplete();
        List<String> before = keys();
        store.replace(C, state, 2).as(StepVerifier::create).expectNext(false).verifyComplete();
        assertThat(keys()).isEqualTo(before);
        store.standing(C, id(0)).map(Standing::raisedMinor).as(StepVerifier::create).expectNext(7L)
                .verifyComplete();
    }

    @Test
    void keepsAFewKeysWhateverTheNumberOfEvents() {
        for (int f = 0; f < 50; f++) {
            fundraiser(id(f), "Fundraiser " + f, f % 5 == 0 ? null : "team-" + f % 5);
        }
        int keysAfterThousand = 0;
        long event = 0;
        for (int batch = 1; batch <= 100; batch++) {
            List<LiveEvent> events = new ArrayList<>();
            for (int i = 0; i < 100; i++, event++) {
                String fundraiser = id((int) (event % 50));
                events.add(switch ((int) (event % 10)) {
                    case 0 -> share("s" + event, fundraiser);
                    case 1 -> refund("r" + event, fundraiser, 1);
                    default -> new LiveEvent(event, "donation", "d" + event, C, fundraiser, 100 + event % 7,
                            "Donor " + event, event % 3 == 0, "Thanks for running, number " + event, next(), next());
                });
            }
            store.apply(C, batch, events).as(StepVerifier::create).expectNext(true).verifyComplete();
            if (batch == 10) {
                keysAfterThousand = keys().size();
            }
        }
        List<String> keys = keys();
        System.out.println("keys after 10,000 events: " + keys);
        assertThat(keys.size()).isEqualTo(keysAfterThousand).isLessThanOrEqualTo(1 + LiveKeys.GENERATION_NAMES.size());
        store.totals(C).as(StepVerifier::create).assertNext(totals -> {
            assertThat(totals.donationCount()).isEqualTo(8_000);
            assertThat(totals.shareCount()).isEqualTo(1_000);
            assertThat(totals.refundedMinor()).isEqualTo(1_000);
        }).verifyComplete();

        long feedBytes = memory("lb:{" + C + "}:0:feed");
        long total = keys.stream().mapToLong(this::memory).sum();
        System.out.printf("memory after 10,000 events: feed %d bytes (%.1f per event, 100 kept), all %d keys %d bytes"
                + " (%.1f per event)%n", feedBytes, feedBytes / 10_000.0, keys.size(), total, total / 10_000.0);
    }

    @Test
    void opensItsConnectionWithoutBlockingANonBlockingThread() {
        // A store on a factory nobody used yet: Lettuce's shared connection is still to be opened.
        LettuceConnectionFactory cold = new LettuceConnectionFactory(connectionFactory.getStandaloneConfiguration(),
                connectionFactory.getClientConfiguration());
        cold.afterPropertiesSet();
        cold.start();
        try {
            LeaderboardStore store = new LeaderboardStore(new LiveRedis(new ReactiveStringRedisTemplate(cold)),
                    new SharedReads(Duration.ZERO, System::nanoTime, new SimpleMeterRegistry()), Clock.systemUTC());
            Mono.delay(Duration.ofMillis(1)).flatMap(tick -> store.totals(C)).as(StepVerifier::create)
                    .expectNext(Totals.NONE).verifyComplete();
        }
        finally {
            cold.destroy();
        }
    }

    @Test
    void marksWhetherRedisStillHoldsItsData() {
        marker.present().as(StepVerifier::create).expectNext(false).verifyComplete();
        redis.opsForValue().set(LiveKeys.MARKER_KEY, "epoch-1").as(StepVerifier::create).expectNext(true).verifyComplete();
        marker.present().as(StepVerifier::create).expectNext(true).verifyComplete();
        marker.value().as(StepVerifier::create).expectNext("epoch-1").verifyComplete();
        flush();
        marker.present().as(StepVerifier::create).expectNext(false).verifyComplete();
    }

    @Test
    void aRebuildSetsTheMarkerOnlyIfRedisKeptItsDataSinceTheRebuildBegan() {
        flush();
        marker.beginRebuild("rebuild-1").as(StepVerifier::create).verifyComplete();
        marker.markRebuilt("rebuild-1", "epoch-2").as(StepVerifier::create).expectNext(true).verifyComplete();
        marker.value().as(StepVerifier::create).expectNext("epoch-2").verifyComplete();
        marker.markRebuilt("rebuild-1", "epoch-3").as(StepVerifier::create).expectNext(false)
                .as("the token is spent").verifyComplete();

        flush();
        marker.beginRebuild("rebuild-2").as(StepVerifier::create).verifyComplete();
        flush(); // a FLUSHDB while the rebuild runs: what it swapped in so far is gone
        marker.markRebuilt("rebuild-2", "epoch-4").as(StepVerifier::create).expectNext(false).verifyComplete();
        marker.present().as(StepVerifier::create).expectNext(false).verifyComplete();

        marker.beginRebuild("rebuild-3").as(StepVerifier::create).verifyComplete();
        marker.beginRebuild("rebuild-4").as(StepVerifier::create).verifyComplete();
        marker.markRebuilt("rebuild-3", "epoch-5").as(StepVerifier::create).expectNext(false)
                .as("a rebuild that another one superseded").verifyComplete();
        marker.markRebuilt("rebuild-4", "epoch-6").as(StepVerifier::create).expectNext(true).verifyComplete();
    }

    @Test
    void aCampaignWithoutLiveStateIsAbsentNeverZeroAndTakesNoPartialBatch() {
        flush(); // as after a FLUSHDB or a restart: the campaign's state is gone
        Instant now = Instant.now();
        List<Mono<?>> reads = List.of(store.totals(C), store.board(C, Board.FUNDRAISERS, 0, 10, now),
                store.board(C, Board.TRENDING, 0, 10, now), store.standing(C, "alice"), store.feed(C, 10),
                store.liveView(C, 10, 20, now));
        reads.forEach(read -> read.as(StepVerifier::create).expectError(LiveStateMissing.class).verify());
        store.apply(C, 1, List.of(donation("d1", "alice", 1_000))).as(StepVerifier::create)
                .expectError(LiveStateMissing.class).verify();
        assertThat(applied()).isNull();
        fundraiser("alice", "Alice", null); // left to the rebuild, which reads it from PostgreSQL
        assertThat(keys()).as("nothing written for a campaign without state").isEmpty();

        store.establish(C).as(StepVerifier::create).expectNext(true).verifyComplete();
        store.totals(C).as(StepVerifier::create).expectNext(Totals.NONE).verifyComplete();
        store.apply(C, 1, List.of(donation("d1", "alice", 1_000))).as(StepVerifier::create).expectNext(true)
                .verifyComplete();
        store.establish(C).as(StepVerifier::create).expectNext(false).as("a state is never replaced by an empty one")
                .verifyComplete();
        store.totals(C).map(Totals::raisedMinor).as(StepVerifier::create).expectNext(1_000L).verifyComplete();
    }

    @Test
    void followsAGenerationAnotherInstanceSwappedIn() {
        LeaderboardStore other = new LeaderboardStore(liveRedis,
                new SharedReads(Duration.ZERO, System::nanoTime, new SimpleMeterRegistry()), Clock.systemUTC());
        fundraiser("alice", "Alice", null);
        store.apply(C, 1, List.of(donation("d1", "alice", 100))).as(StepVerifier::create).expectNext(true)
                .verifyComplete();
        store.totals(C).map(Totals::raisedMinor).as(StepVerifier::create).expectNext(100L).verifyComplete();

        other.replace(C, state(new Totals(5_000, 2, 0, 0, null), Map.of("alice", 5_000L), Map.of("alice", "Alice")), 2)
                .as(StepVerifier::create).expectNext(true).verifyComplete();
        store.totals(C).map(Totals::raisedMinor).as(StepVerifier::create).expectNext(5_000L).verifyComplete();
        store.apply(C, 3, List.of(donation("d3", "alice", 7))).as(StepVerifier::create).expectNext(true)
                .verifyComplete();
        other.totals(C).map(Totals::raisedMinor).as(StepVerifier::create).expectNext(5_007L).verifyComplete();
        assertThat(board(Board.FUNDRAISERS, 0, 1)).containsExactly(new BoardEntry(1, "alice", "Alice", 5_007));
    }

    @Test
    void everyScriptTouchesOnlyKeysItDeclaresAllInTheCampaignsSlotWithFixedCommands() {
        Set<String> fixed = Set.of("GET", "SET", "EXISTS", "INCR", "HSET", "HGET", "HMGET", "HDEL", "HINCRBY", "ZADD",
                "ZINCRBY", "ZREM", "ZSCORE", "ZCARD", "ZCOUNT", "ZRANGE", "ZREVRANGE", "ZREMRANGEBYSCORE", "LPUSH",
                "LTRIM", "LRANGE", "RPUSH", "EXPIREAT", "PERSIST", "UNLINK", "PUBLISH", "HKEYS", "HEXISTS", "HGETALL",
                "LSET");
        List<RedisMonitor.ScriptCall> calls;
        try (RedisMonitor monitor = RedisMonitor.open()) {
            Instant now = Instant.now();
            team("red", "Red");
            fundraiser("alice", "Alice", "red");
            fundraiser("bob", "Bob", null);
            store.apply(C, 1, List.of(donation("d1", "alice", 1_000, now.minus(Duration.ofMinutes(70))),
                    donation("d2", "bob", 500, now), refund("r1", "alice", 100, now), share("s1", "alice")))
                    .as(StepVerifier::create).expectNext(true).verifyComplete();
            for (Board board : Board.values()) {
                board(board, 0, 10);
            }
            store.standing(C, "bob").block(TIMEOUT);
            store.feed(C, 5).block(TIMEOUT);
            store.putPledge(C, new Pledge("p", "Sponsor", 10, 1_000, null, null)).block(TIMEOUT);
            store.putMilestone(C, new Milestone("m", "raisedMinor", 100, "A hundred", now)).block(TIMEOUT);
            store.rewriteFeed(C, new FeedEntry("d2", "Bob's donor", 500, null, "bob", now)).block(TIMEOUT);
            store.summary(C).block(TIMEOUT);
            store.liveView(C, 10, 20, now).block(TIMEOUT);
            store.replace(C, new CampaignState(new Totals(1_400, 2, 100, 1, now), Map.of("alice", 900L, "bob", 500L),
                    Map.of("red", 900L), Map.of("alice", 1L), Map.of(Math.floorDiv(now.getEpochSecond(), 60),
                            Map.of("bob", 500L, "alice", -100L)), List.of(new FeedEntry("d2", "Bob's donor", 500, null,
                                    "bob", now)), Map.of("alice", "Alice", "bob", "Bob"), Map.of("red", "Red"),
                    Map.of("alice", "red")), 2)
                    .as(StepVerifier::create).expectNext(true).verifyComplete();
            store.apply(C, 3, List.of(donation("d3", "alice", 5, now))).as(StepVerifier::create).expectNext(true)
                    .verifyComplete();
            fundraiser("bob", "Bob", "red"); // a team change moves bob's amount
            store.boardSize(C, Board.TRENDING, now.plus(Duration.ofHours(2))).block(TIMEOUT); // minutes leave the window
            calls = monitor.scriptCalls(9);
        }
        assertThat(calls).hasSizeGreaterThan(20);
        for (RedisMonitor.ScriptCall call : calls) {
            List<String> declared = call.declaredKeys();
            assertThat(declared).as("keys of %s", call.call().words()).isNotEmpty()
                    .allMatch(key -> key.startsWith("lb:{" + C + "}:"));
            for (RedisMonitor.Command command : call.commands()) {
                assertThat(fixed).as("a script's command").contains(command.name());
                if (!command.name().equals("PUBLISH")) {
                    assertThat(declared).as("%s declared by the script that ran %s", command.words().get(1),
                            command.words()).contains(command.words().get(1));
                }
            }
        }
    }

    @Test
    void aTrendingReadRunsWhatAFundraisersReadRunsWhateverTheMinutesInTheWindow() {
        Instant now = Instant.now();
        List<LiveEvent> events = new ArrayList<>();
        for (int minute = 0; minute < 60; minute++) {
            events.add(donation("d" + minute, id(minute % 10), 100 + minute, now.minus(Duration.ofMinutes(minute))));
        }
        store.apply(C, 1, events).as(StepVerifier::create).expectNext(true).verifyComplete();
        List<BoardEntry> trending = board(Board.TRENDING, 0, 10);
        assertThat(trending).hasSize(10);
        assertThat(trending).isEqualTo(board(Board.FUNDRAISERS, 0, 10).stream()
                .map(e -> new BoardEntry(e.rank(), e.id(), null, e.score())).toList());

        List<RedisMonitor.ScriptCall> calls;
        try (RedisMonitor monitor = RedisMonitor.open()) {
            store.board(C, Board.FUNDRAISERS, 0, 10, now).block(TIMEOUT);
            store.board(C, Board.TRENDING, 0, 10, now).block(TIMEOUT);
            calls = monitor.scriptCalls(9);
        }
        assertThat(calls).hasSize(2);
        List<String> fundraisers = calls.get(0).commands().stream().map(RedisMonitor.Command::name).toList();
        List<String> trendingRead = calls.get(1).commands().stream().map(RedisMonitor.Command::name).toList();
        System.out.printf("commands of a fundraisers read: %d, of a trending read: %d%n", fundraisers.size(),
                trendingRead.size());
        assertThat(trendingRead).doesNotContain("ZUNIONSTORE", "ZUNION");
        assertThat(trendingRead.size()).as("one more: the window's end").isLessThanOrEqualTo(fundraisers.size() + 1);
    }

    @Test
    void aSubscriptionToChangeNoticesIsActiveOnceItIsGiven() {
        for (int i = 0; i < 20; i++) {
            String notice = "notice-" + i;
            Flux<String> received = notices.subscribe(C).block(TIMEOUT);
            // Published the moment the subscription is given, with no wait: it must arrive.
            received.take(1).as(StepVerifier::create)
                    .then(() -> notices.publish(C, notice).block(TIMEOUT))
                    .expectNext(notice).verifyComplete();
        }
    }

    private void team(String id, String name) {
        store.putTeam(C, id, name).as(StepVerifier::create).verifyComplete();
    }

    private void fundraiser(String id, String name, String team) {
        store.putFundraiser(C, id, name, team).as(StepVerifier::create).verifyComplete();
    }

    private List<BoardEntry> board(Board board, int offset, int limit) {
        return store.board(C, board, offset, limit, Instant.now()).block(TIMEOUT);
    }

    private List<FeedEntry> feed(int limit) {
        return store.feed(C, limit).block(TIMEOUT);
    }

    /** The batch the campaign's current generation has applied, read behind the store's back; null when none. */
    private String applied() {
        String generation = redis.opsForValue().get(LiveKeys.generationKey(C)).block(TIMEOUT);
        return generation == null ? null
                : redis.opsForValue().get(LiveKeys.key(C, generation, "applied")).block(TIMEOUT);
    }

    private List<String> keys() {
        return redis.scan(ScanOptions.scanOptions().match("lb:{" + C + "}*").count(1_000).build()).sort()
                .collectList().block(TIMEOUT);
    }

    private long ttl(String key) {
        return redis.execute(RedisScript.of("return redis.call('TTL', KEYS[1])", Long.class), List.of(key), List.of())
                .single().block(TIMEOUT);
    }

    private long memory(String key) {
        return redis.execute(RedisScript.of("return redis.call('MEMORY', 'USAGE', KEYS[1], 'SAMPLES', 0) or 0", Long.class),
                List.of(key), List.of()).single().block(TIMEOUT);
    }

    private static BoardEntry entry(long rank, String id, long score) {
        return new BoardEntry(rank, id, id.toUpperCase(), score);
    }

    private static String id(int i) {
        return "f-" + i;
    }

    private static CampaignState state(Totals totals, Map<String, Long> raised, Map<String, String> names) {
        return new CampaignState(totals, raised, Map.of(), Map.of(), Map.of(), List.of(), names, Map.of(), Map.of());
    }

    private Instant next() {
        clock = clock.plusMillis(1);
        return clock;
    }

    private LiveEvent donation(String id, String fundraiser, long amount) {
        return donation(id, fundraiser, amount, next());
    }

    private LiveEvent donation(String id, String fundraiser, long amount, Instant recordedAt) {
        return new LiveEvent(0, "donation", id, C, fundraiser, amount, "Donor of " + id, false, "Thanks " + id,
                recordedAt, recordedAt);
    }

    private LiveEvent anonymous(String id, String fundraiser, long amount) {
        Instant at = next();
        return new LiveEvent(0, "donation", id, C, fundraiser, amount, "Hidden", true, null, at, at);
    }

    private LiveEvent refund(String id, String fundraiser, long amount) {
        return refund(id, fundraiser, amount, next());
    }

    private LiveEvent refund(String id, String fundraiser, long amount, Instant recordedAt) {
        return new LiveEvent(0, "refund", id, C, fundraiser, amount, null, false, null, recordedAt, recordedAt);
    }

    private LiveEvent share(String id, String fundraiser) {
        Instant at = next();
        return new LiveEvent(0, "share", id, C, fundraiser, 0, null, false, null, at, at);
    }
}

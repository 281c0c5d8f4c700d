package org.leaderboard.leaderboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.leaderboard.leaderboard.LiveApi.await;
import static org.leaderboard.leaderboard.LiveApi.donation;
import static org.leaderboard.leaderboard.LiveApi.ranked;
import static org.leaderboard.leaderboard.LiveApi.refund;
import static org.leaderboard.leaderboard.LiveApi.share;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.MeterRegistry;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.leaderboard.leaderboard.LiveApi.Answer;
import org.leaderboard.leaderboard.LiveApi.Entry;
import org.leaderboard.leaderboard.LiveApi.Totals;
import org.leaderboard.support.LedgerSums;
import org.leaderboard.support.RedisDatabases;
import org.leaderboard.support.TestServices;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Redis is derived state: after it loses everything mid-ingest, after the applier stops between
 * commit and apply, after concurrent or repeated drains, and after an apply whose progress was
 * never saved, every figure comes back to exactly the ledger's, each event counted once.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class LiveAggregatesRecoveryIntegrationTests {

    static final String DB = "lbt_live_recovery";
    static final int REDIS_DB = 12;
    static final Duration CONVERGENCE = Duration.ofSeconds(10);
    static final List<String> BOARDS = List.of("fundraisers", "teams", "sharers", "trending");

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.isolate(registry, DB, REDIS_DB);
        RedisDatabases.flush(REDIS_DB);
    }

    @LocalServerPort
    int port;

    @Autowired
    LiveApplier applier;

    @Autowired
    ReactiveStringRedisTemplate redis;

    @Autowired
    MeterRegistry meters;

    LiveApi api;

    final LedgerSums ledger = new LedgerSums(DB);

    @BeforeEach
    void api() {
        api = new LiveApi(port);
        LiveApi.awaitStartupRebuild(redis);
    }

    /** A campaign with {@code fundraisers} fundraisers, most of them in {@code teams} teams. */
    private void campaign(String c, int teams, int fundraisers) {
        api.campaign(c, "Campaign " + c);
        for (int t = 1; t <= teams; t++) {
            api.team(c, "t" + t, c + " team " + t);
        }
        for (int i = 1; i <= fundraisers; i++) {
            api.fundraiser(c, "f" + i, c + " fundraiser " + i, i % 5 == 0 ? null : "t" + (1 + i % teams));
        }
    }

    /** Everything the read API shows of a campaign's figures: totals and every board (each under 100 entries). */
    private Map<String, Object> shown(String c) {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("totals", api.totals(c));
        for (String board : BOARDS) {
            state.put(board, api.page(c, board, 0, 100));
        }
        return state;
    }

    /** What the read API must show, computed by SQL over the ledger. */
    private Map<String, Object> ledgerState(String c) {
        Map<String, String> names = ledger.fundraiserNames(c);
        Map<String, Long> raised = ledger.fundraiserRaised(c);
        LedgerSums.Totals t = ledger.totals(c);
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("totals", new Totals(t.raisedMinor(), t.donationCount(), t.refundedMinor(), t.shareCount()));
        state.put("fundraisers", ranked(raised, names, false));
        state.put("teams", ranked(ledger.teamRaised(c), ledger.teamNames(c), false));
        state.put("sharers", ranked(ledger.fundraiserShares(c), names, false));
        state.put("trending", ranked(raised, names, true));
        return state;
    }

    private void assertShowsTheLedger(String c, String when) {
        Map<String, Object> want = ledgerState(c);
        Map<String, Object> got = await(CONVERGENCE, () -> shown(c), want::equals);
        assertThat(got).as("%s: totals and boards equal SQL over the ledger within %s", when, CONVERGENCE)
                .isEqualTo(want);
    }

    private List<Answer> post(List<String> events) {
        return api.postBatch(events, false).block(LiveApi.TIMEOUT);
    }

    // ------------------------------------------------------------------ 4. FLUSHDB during ingestion

    @Test
    void flushDbDuringIngestionRebuildsToExactlyTheLedger() {
        String c = "flush-run";
        seeded(c, "fl", 4, 20);
        assertShowsTheLedger(c, "before the flush");
        String markerBefore = redis.opsForValue().get(LiveKeys.MARKER_KEY).block(LiveApi.TIMEOUT);
        double rebuildsBefore = rebuilds();

        AtomicInteger posted = new AtomicInteger();
        CompletableFuture<List<Answer>> ingestion = ingest(c, "fl", 20, 240, posted);

        await(Duration.ofSeconds(30), posted::get, n -> n >= 60);
        assertThat(ingestion).as("ingestion still running at the first flush").isNotDone();
        RedisDatabases.flush(REDIS_DB);
        await(Duration.ofSeconds(30), posted::get, n -> n >= 150);
        assertThat(ingestion).as("ingestion still running at the second flush").isNotDone();
        RedisDatabases.flush(REDIS_DB);

        List<Answer> answers = ingestion.join();
        assertThat(answers).extracting(Answer::status).containsOnly("accepted", "duplicate");
        assertShowsTheLedger(c, "after two FLUSHDBs during ingestion");
        String markerAfter = redis.opsForValue().get(LiveKeys.MARKER_KEY).block(LiveApi.TIMEOUT);
        assertThat(markerAfter).as("the service set a new marker after rebuilding").isNotNull()
                .isNotEqualTo(markerBefore);
        assertThat(rebuilds()).as("rebuilds counted").isGreaterThan(rebuildsBefore);
        // Names came back with the rebuild too (part of the board equality above); the feed as well.
        assertThat(api.feed(c, 20)).hasSize(20);
    }

    /**
     * Posts {@code units} units (a single event or a batch of 8, JSON or NDJSON; donations with and
     * without fundraiser, refunds of 10 of the seed donations {@code <prefix>-seed-<n>}, shares,
     * replays) one every 10 ms, 8 in flight, counting posted units in {@code posted}.
     */
    private CompletableFuture<List<Answer>> ingest(String c, String prefix, int fundraisers, int units,
            AtomicInteger posted) {
        Random rnd = new Random(prefix.hashCode());
        List<List<String>> all = new ArrayList<>();
        for (int u = 0; u < units; u++) {
            List<String> unit = new ArrayList<>();
            for (int k = 0; k < (u % 3 == 0 ? 1 : 8); k++) {
                String id = prefix + "-" + u + "-" + k;
                String f = "f" + (1 + rnd.nextInt(fundraisers));
                unit.add(switch (rnd.nextInt(5)) {
                    case 0 -> refund(id, c, prefix + "-seed-" + (1 + rnd.nextInt(fundraisers)), 10);
                    case 1 -> share(id, c, f, "email", "v" + u);
                    case 2 -> donation(id, c, rnd.nextInt(4) == 0 ? null : f, 1 + rnd.nextInt(9_999));
                    default -> donation(id, c, f, 1 + rnd.nextInt(9_999));
                });
            }
            if (u % 10 == 9) {
                unit.add(all.get(u - 5).get(0)); // a replay
            }
            all.add(unit);
        }
        return Flux.fromIterable(all)
                .delayElements(Duration.ofMillis(10))
                .index()
                .flatMap(unit -> (unit.getT2().size() == 1 ? api.post(unit.getT2().get(0)).map(List::of)
                        : api.postBatch(unit.getT2(), unit.getT1() % 2 == 0)), 8)
                .doOnNext(answers -> posted.incrementAndGet())
                .flatMapIterable(answers -> answers)
                .collectList()
                .toFuture();
    }

    /** A campaign whose fundraiser n got donation {@code <prefix>-seed-<n>} of 10,000 + n. */
    private void seeded(String c, String prefix, int teams, int fundraisers) {
        campaign(c, teams, fundraisers);
        List<String> seed = new ArrayList<>();
        for (int i = 1; i <= fundraisers; i++) {
            seed.add(donation(prefix + "-seed-" + i, c, "f" + i, 10_000 + i));
        }
        assertThat(post(seed)).extracting(Answer::status).containsOnly("accepted");
    }

    // ------------------------------------------------------------------ 6b. rebuilds during ingestion

    @Test
    void rebuildRequestsDuringIngestionLoseNothingAndCountNothingTwice() {
        String c = "rebuild-live";
        seeded(c, "rl", 3, 15);
        AtomicInteger posted = new AtomicInteger();
        CompletableFuture<List<Answer>> ingestion = ingest(c, "rl", 15, 150, posted);
        List<Integer> statuses = new ArrayList<>();
        while (!ingestion.isDone()) {
            Map.Entry<Integer, Map<String, Object>> answer = api.rebuild().block(LiveApi.TIMEOUT);
            statuses.add(answer.getKey());
            assertThat(answer.getKey()).as("rebuild answered %s", answer.getValue()).isEqualTo(200);
        }
        assertThat(statuses).as("rebuilds while ingesting").hasSizeGreaterThanOrEqualTo(2);
        assertThat(ingestion.join()).extracting(Answer::status).containsOnly("accepted", "duplicate");
        assertShowsTheLedger(c, "after rebuilds during ingestion");
        Map.Entry<Integer, Map<String, Object>> last = api.rebuild().block(LiveApi.TIMEOUT);
        assertThat(last.getKey()).isEqualTo(200);
        assertThat(LiveApi.number(last.getValue().get("events")))
                .isEqualTo(ledger.number("select count(*) from ledger_events"));
        assertThat(shown(c)).as("after one more rebuild").isEqualTo(ledgerState(c));
    }

    /**
     * An organizer renames a fundraiser while a rebuild runs, after the rebuild read the
     * campaign's fundraisers and before it swapped its fresh state in (a campaign of 20,000
     * fundraisers, added straight to PostgreSQL, makes that window last). The rename was committed
     * and answered 200, so once the rebuild is done the board must show it.
     */
    @Test
    void anOrganizerRenameCommittedDuringARebuildIsNotLost() throws Exception {
        String c = "edit-run";
        campaign(c, 2, 6);
        assertThat(post(List.of(donation("ed-1", c, "f5", 9_000), donation("ed-2", c, "f1", 3_000))))
                .extracting(Answer::status).containsOnly("accepted");
        assertShowsTheLedger(c, "before the rename");
        ledger.execute("insert into fundraisers (campaign_id, id, display_name) "
                + "select 'edit-run', 'bulk-' || g, 'Bulk ' || g from generate_series(1, 20000) g");
        String generationKey = LiveKeys.generationKey(c);
        String allocatedKey = "lb:{" + c + "}:lastgen"; // bumped when a rebuild, its state read, starts writing
        try {
            String landed = null;
            for (int attempt = 1; attempt <= 5 && landed == null; attempt++) {
                String generation = redis.opsForValue().get(generationKey).block(LiveApi.TIMEOUT);
                String allocated = redis.opsForValue().get(allocatedKey).block(LiveApi.TIMEOUT);
                CompletableFuture<Map.Entry<Integer, Map<String, Object>>> rebuild = api.rebuild().toFuture();
                await(Duration.ofSeconds(10), () -> redis.opsForValue().get(allocatedKey).block(LiveApi.TIMEOUT),
                        value -> value != null && !value.equals(allocated));
                String name = "Renamed during rebuild " + attempt;
                api.fundraiser(c, "f5", name, null);
                if (Objects.equals(redis.opsForValue().get(generationKey).block(LiveApi.TIMEOUT),
                        generation)) {
                    landed = name; // committed and sent to Redis after the rebuild's read, before its swap
                }
                assertThat(rebuild.get(30, TimeUnit.SECONDS).getKey()).isEqualTo(200);
            }
            assertThat(landed).as("a rename landed between a rebuild's read and its swap").isNotNull();
            String expected = landed;
            List<Entry> top = await(CONVERGENCE, () -> api.page(c, "fundraisers", 0, 2),
                    page -> page.get(0).name().equals(expected));
            assertThat(top.get(0)).as("the fundraisers board after the rebuild")
                    .isEqualTo(new Entry(1, "f5", expected, 9_000));
            assertThat(ledger.fundraiserNames(c)).containsEntry("f5", expected);
        }
        finally {
            ledger.execute("delete from fundraisers where campaign_id = 'edit-run' and id like 'bulk-%'");
        }
    }

    private double rebuilds() {
        var counter = meters.find("leaderboard.live.rebuilds").counter();
        return counter == null ? 0 : counter.count();
    }

    // ------------------------------------------------------------------ 5. crash between commit and apply

    @Test
    void eventsCommittedWhileTheApplierIsStoppedAreAppliedOnceWhenItResumes() {
        String c = "stop-run";
        campaign(c, 2, 6);
        List<String> first = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            first.add(donation("st-a" + i, c, "f" + i, 1_000 * i));
        }
        assertThat(post(first)).extracting(Answer::status).containsOnly("accepted");
        assertShowsTheLedger(c, "before the stop");
        Map<String, Object> before = shown(c);

        applier.stop();
        try {
            assertThat(applier.isRunning()).isFalse();
            List<String> second = new ArrayList<>();
            for (int i = 1; i <= 30; i++) {
                second.add(i % 3 == 0 ? share("st-s" + i, c, "f" + (1 + i % 6), "x", "v" + i)
                        : donation("st-b" + i, c, "f" + (1 + i % 6), 7 * i));
            }
            second.add(refund("st-r1", c, "st-a6", 2_500));
            assertThat(post(second)).extracting(Answer::status).containsOnly("accepted");
            assertThat(ledger.totals(c).donationCount()).as("committed in the ledger").isEqualTo(26);

            // Accepted means committed, not applied: with no applier the figures stay where they were
            // (watched for a while: many apply intervals and marker checks).
            long end = System.nanoTime() + Duration.ofMillis(1_500).toNanos();
            while (System.nanoTime() < end) {
                assertThat(shown(c)).as("figures while the applier is stopped").isEqualTo(before);
            }

            // One drain applies them, exactly; more drains change nothing.
            applier.drain().block(LiveApi.TIMEOUT);
            Map<String, Object> want = ledgerState(c);
            assertThat(shown(c)).as("after one drain").isEqualTo(want);
            applier.drain().block(LiveApi.TIMEOUT);
            applier.drain().block(LiveApi.TIMEOUT);
            assertThat(shown(c)).as("after two more drains").isEqualTo(want);

            // Committed while stopped again, then the applier restarts and catches up by itself.
            assertThat(post(List.of(donation("st-c1", c, "f1", 99_999), refund("st-r2", c, "st-c1", 9),
                    share("st-s99", c, "f2", "link", "v99")))).extracting(Answer::status).containsOnly("accepted");
            assertThat(shown(c)).isEqualTo(want);
        }
        finally {
            applier.start();
        }
        assertThat(applier.isRunning()).isTrue();
        assertShowsTheLedger(c, "after the applier restarted");
        Map<String, Object> caughtUp = shown(c);
        applier.drain().block(LiveApi.TIMEOUT);
        assertThat(shown(c)).as("a drain after catching up changes nothing").isEqualTo(caughtUp);
        assertThat(((Totals) caughtUp.get("totals")).donationCount()).isEqualTo(27);
    }

    @Test
    void concurrentDrainsNeverDoubleCount() {
        String c = "drain-run";
        campaign(c, 3, 12);
        applier.stop();
        try {
            List<String> events = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                String f = "f" + (1 + i % 12);
                events.add(i % 4 == 3 ? share("dr-s" + i, c, f, "x", "v" + i) : donation("dr-d" + i, c, f, 1 + i));
            }
            for (int from = 0; from < events.size(); from += 100) {
                assertThat(post(events.subList(from, from + 100))).extracting(Answer::status)
                        .containsOnly("accepted");
            }
            // Eight drains at once over the same pending pages: only one applies, the others step aside.
            Flux.range(0, 8).flatMap(i -> applier.drain(), 8).then().block(LiveApi.TIMEOUT);
            Map<String, Object> want = ledgerState(c);
            assertThat(shown(c)).as("after eight concurrent drains").isEqualTo(want);

            // Drains racing with ingestion, then a last one: still every event exactly once.
            List<Mono<List<Answer>>> posts = new ArrayList<>();
            for (int b = 0; b < 20; b++) {
                List<String> batch = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    String id = "dr-x" + b + "-" + i;
                    int d = b * 20 + i - (i % 4 == 3 ? 1 : 0); // a donation of the first 400 (shares are 4k+3)
                    batch.add(i % 5 == 4 ? refund(id, c, "dr-d" + d, 1)
                            : donation(id, c, "f" + (1 + (b + i) % 12), 1_000 + b));
                }
                posts.add(api.postBatch(batch, b % 2 == 0));
            }
            Mono<List<Answer>> ingest = Flux.fromIterable(posts).flatMap(p -> p, 4).flatMapIterable(a -> a)
                    .collectList();
            Mono<Void> drains = Flux.range(0, 40).delayElements(Duration.ofMillis(5))
                    .flatMap(i -> applier.drain(), 4).then();
            List<Answer> answers = Mono.zip(ingest, drains.thenReturn(true)).map(t -> t.getT1())
                    .block(LiveApi.TIMEOUT);
            assertThat(answers).hasSize(400).extracting(Answer::status).containsOnly("accepted");
            Flux.range(0, 3).flatMap(i -> applier.drain(), 3).then().block(LiveApi.TIMEOUT);
            applier.drain().block(LiveApi.TIMEOUT);
            assertThat(shown(c)).as("after drains racing with ingestion").isEqualTo(ledgerState(c));
        }
        finally {
            applier.start();
        }
        assertShowsTheLedger(c, "with the applier running again");
    }

    /**
     * A crash after a page was applied to Redis but before its progress was saved in PostgreSQL
     * (simulated by a trigger that fails the progress update recording an applied page, a higher
     * batch id; opening a page still works, so the page does reach Redis first): the retry must
     * neither count the page twice nor lose the events committed meanwhile.
     */
    @Test
    void aPageAppliedWhoseProgressWasNotSavedIsNeitherRecountedNorLostOnRetry() {
        String c = "lost-run";
        campaign(c, 2, 4);
        assertThat(post(List.of(donation("ls-0", c, "f1", 100)))).extracting(Answer::status)
                .containsOnly("accepted");
        assertShowsTheLedger(c, "before the simulated crash");
        applier.stop();
        try {
            ledger.execute("""
                    create or replace function lbt_fail_progress() returns trigger language plpgsql as $$
                    begin
                        if new.batch_id > old.batch_id then
                            raise exception 'simulated crash between the Redis apply and the progress save';
                        end if;
                        return new;
                    end $$""");
            ledger.execute("create trigger lbt_fail_progress before update on live_apply_progress "
                    + "for each row execute function lbt_fail_progress()");
            assertThat(post(List.of(donation("ls-1", c, "f1", 1_000), donation("ls-2", c, "f2", 2_000),
                    share("ls-s1", c, "f3", "x", "v1")))).extracting(Answer::status).containsOnly("accepted");
            assertThatThrownBy(() -> applier.drain().block(LiveApi.TIMEOUT))
                    .hasMessageContaining("simulated crash");
            assertThat(api.totals(c)).as("the page reached Redis before its progress save failed")
                    .isEqualTo(new Totals(3_100, 3, 0, 1));

            ledger.execute("drop trigger lbt_fail_progress on live_apply_progress");
            assertThat(post(List.of(donation("ls-3", c, "f3", 30_000), donation("ls-4", c, "f4", 40_000),
                    share("ls-s2", c, "f4", "x", "v2")))).extracting(Answer::status).containsOnly("accepted");
            applier.drain().block(LiveApi.TIMEOUT);
            assertThat(shown(c)).as("after the retry, every committed event counted once").isEqualTo(ledgerState(c));
        }
        finally {
            ledger.execute("drop trigger if exists lbt_fail_progress on live_apply_progress");
            applier.start();
        }
        assertShowsTheLedger(c, "with the applier running again");
    }
}

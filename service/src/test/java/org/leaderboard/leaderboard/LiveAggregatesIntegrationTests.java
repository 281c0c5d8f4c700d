package org.leaderboard.leaderboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leaderboard.leaderboard.LiveApi.await;
import static org.leaderboard.leaderboard.LiveApi.describe;
import static org.leaderboard.leaderboard.LiveApi.donation;
import static org.leaderboard.leaderboard.LiveApi.expectedStanding;
import static org.leaderboard.leaderboard.LiveApi.number;
import static org.leaderboard.leaderboard.LiveApi.ranked;
import static org.leaderboard.leaderboard.LiveApi.refund;
import static org.leaderboard.leaderboard.LiveApi.share;
import static org.leaderboard.leaderboard.LiveApi.standingOf;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

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
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The live aggregates end to end through the HTTP API, against the real PostgreSQL and Redis: a
 * randomized concurrent ingest checked to the unit against an in-test model of what was accepted
 * and against SQL over the ledger; hand-made ties and paging.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "PT30S")
class LiveAggregatesIntegrationTests {

    static final String DB = "lbt_live_aggregates";
    static final int REDIS_DB = 10;

    /** The contract: figures show within 1 s; a generous bound for a loaded test machine. */
    static final Duration CONVERGENCE = Duration.ofSeconds(10);

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.isolate(registry, DB, REDIS_DB);
        RedisDatabases.flush(REDIS_DB);
    }

    @LocalServerPort
    int port;

    @Autowired
    WebTestClient http;

    @Autowired
    ReactiveStringRedisTemplate redis;

    LiveApi api;

    final LedgerSums ledger = new LedgerSums(DB);

    @BeforeEach
    void api() {
        api = new LiveApi(port);
        LiveApi.awaitStartupRebuild(redis);
    }

    // ------------------------------------------------------------------ 1. randomized model test

    /** One generated event and what the model needs of it. For a refund, fundraiserId is its donation's. */
    private record Ev(String type, String id, String fundraiserId, long amount, String donationId, String donorName,
            boolean anonymous, String message, String json) {
    }

    /** What the API accepted, folded as the read side must show it. */
    private static final class Model {

        final Map<String, Ev> accepted = new LinkedHashMap<>();
        final List<Ev> donations = new ArrayList<>();
        final Map<String, Long> refundedOf = new HashMap<>();
        final Map<String, Long> raisedBy = new TreeMap<>();
        final Map<String, Long> sharesBy = new TreeMap<>();
        long raised;
        long donationCount;
        long refunded;
        long shareCount;

        Model(Iterable<String> fundraisers) {
            fundraisers.forEach(f -> {
                raisedBy.put(f, 0L);
                sharesBy.put(f, 0L);
            });
        }

        /** Folds an accepted event in; false when it had already been accepted (counted twice). */
        boolean accept(Ev e) {
            if (accepted.putIfAbsent(e.id(), e) != null) {
                return false;
            }
            switch (e.type()) {
                case "donation" -> {
                    donations.add(e);
                    raised += e.amount();
                    donationCount++;
                    if (e.fundraiserId() != null) {
                        raisedBy.merge(e.fundraiserId(), e.amount(), Long::sum);
                    }
                }
                case "refund" -> {
                    raised -= e.amount();
                    refunded += e.amount();
                    refundedOf.merge(e.donationId(), e.amount(), Long::sum);
                    if (e.fundraiserId() != null) {
                        raisedBy.merge(e.fundraiserId(), -e.amount(), Long::sum);
                    }
                }
                case "share" -> {
                    shareCount++;
                    if (e.fundraiserId() != null) {
                        sharesBy.merge(e.fundraiserId(), 1L, Long::sum);
                    }
                }
                default -> throw new IllegalArgumentException(e.type());
            }
            return true;
        }

        Totals totals() {
            return new Totals(raised, donationCount, refunded, shareCount);
        }
    }

    @Test
    void randomConcurrentIngestShowsExactlyWhatWasAccepted() {
        long seed = Long.getLong("live.seed", System.nanoTime());
        System.out.println("LiveAggregatesIntegrationTests model seed: " + seed + " (rerun with -Dlive.seed=" + seed
                + ")");
        Random rnd = new Random(seed);
        String c = "model-run";
        api.campaign(c, "Model run");
        Map<String, String> teamNames = new TreeMap<>();
        for (int t = 1; t <= 5; t++) {
            teamNames.put("t" + t, "Team " + t);
            api.team(c, "t" + t, "Team " + t);
        }
        Map<String, String> names = new TreeMap<>();
        Map<String, String> teamOf = new HashMap<>();
        List<String> fundraisers = new ArrayList<>();
        for (int i = 1; i <= 40; i++) {
            String f = String.format("f%02d", i);
            String team = i <= 32 ? "t" + (1 + rnd.nextInt(5)) : null;
            names.put(f, "Fundraiser " + i);
            if (team != null) {
                teamOf.put(f, team);
            }
            fundraisers.add(f);
            api.fundraiser(c, f, "Fundraiser " + i, team);
        }
        // f36..f40 never get a donation: a tie at 0 on the money boards.
        List<String> givenTo = fundraisers.subList(0, 35);
        String[] channels = { "facebook", "x", "linkedin", "whatsapp", "email", "link", "other" };

        Model model = new Model(fundraisers);
        Map<String, Ev> sent = new HashMap<>();
        List<Ev> rejectedRefunds = new ArrayList<>();
        int duplicates = 0;
        int waves = 10;
        int perWave = 300;
        for (int wave = 0; wave < waves; wave++) {
            List<Ev> fresh = new ArrayList<>();
            for (int i = 0; i < perWave; i++) {
                String id = "m" + wave + "-" + i;
                double kind = rnd.nextDouble();
                Ev e;
                if (kind < 0.5 || (kind < 0.72 && model.donations.isEmpty())) {
                    String f = rnd.nextDouble() < 0.85 ? givenTo.get(rnd.nextInt(givenTo.size())) : null;
                    long amount = rnd.nextDouble() < 0.005 ? 10_000_000_000L : 1 + rnd.nextInt(100_000);
                    String donor = rnd.nextDouble() < 0.9 ? "Donor " + rnd.nextInt(500) : null;
                    boolean anonymous = rnd.nextDouble() < 0.1;
                    String message = rnd.nextDouble() < 0.3 ? "Go " + id + "!" : null;
                    e = new Ev("donation", id, f, amount, null, donor, anonymous, message,
                            donation(id, c, f, amount, donor, anonymous, message));
                }
                else if (kind < 0.72) {
                    Ev d = model.donations.get(rnd.nextInt(model.donations.size()));
                    long remaining = d.amount() - model.refundedOf.getOrDefault(d.id(), 0L);
                    long amount = remaining > 0 && (rnd.nextDouble() < 0.7 || remaining > 9_000_000_000L)
                            ? 1 + Math.floorMod(rnd.nextLong(), Math.min(remaining, 60_000))
                            : remaining + 1 + rnd.nextInt(1_000);
                    e = new Ev("refund", id, d.fundraiserId(), amount, d.id(), null, false, null,
                            refund(id, c, d.id(), amount));
                }
                else {
                    String f = rnd.nextDouble() < 0.9 ? fundraisers.get(rnd.nextInt(fundraisers.size())) : null;
                    e = new Ev("share", id, f, 0, null, null, false, null,
                            share(id, c, f, channels[rnd.nextInt(channels.length)], "v" + rnd.nextInt(10_000)));
                }
                fresh.add(e);
                sent.put(id, e);
            }
            List<String> payloads = new ArrayList<>(fresh.stream().map(Ev::json).toList());
            // Replays of events accepted in earlier waves, and events sent twice within this wave.
            List<Ev> earlier = new ArrayList<>(model.accepted.values());
            for (int i = 0; i < perWave / 20 && !earlier.isEmpty(); i++) {
                payloads.add(earlier.get(rnd.nextInt(earlier.size())).json());
            }
            for (int i = 0; i < perWave / 50; i++) {
                payloads.add(fresh.get(rnd.nextInt(fresh.size())).json());
            }
            Collections.shuffle(payloads, rnd);

            List<Mono<List<Answer>>> posts = new ArrayList<>();
            for (int from = 0; from < payloads.size();) {
                int size = rnd.nextDouble() < 0.4 ? 1 : 2 + rnd.nextInt(39);
                List<String> unit = List.copyOf(payloads.subList(from, Math.min(payloads.size(), from + size)));
                from += unit.size();
                posts.add(unit.size() == 1 && rnd.nextBoolean() ? api.post(unit.get(0)).map(List::of)
                        : api.postBatch(unit, rnd.nextBoolean()));
            }
            List<Answer> answers = Flux.fromIterable(posts).flatMap(p -> p, 12).flatMapIterable(a -> a)
                    .collectList().block(LiveApi.TIMEOUT);
            assertThat(answers).hasSize(payloads.size());

            Set<String> duplicated = new HashSet<>();
            for (Answer a : answers) {
                Ev e = sent.get(a.eventId());
                assertThat(e).as("answer %s names an event that was sent", a).isNotNull();
                switch (a.status()) {
                    case "accepted" -> assertThat(model.accept(e)).as("event %s accepted only once", e.id()).isTrue();
                    case "duplicate" -> duplicated.add(e.id());
                    case "rejected" -> {
                        assertThat(e.type()).as("only refunds may be rejected: %s", a).isEqualTo("refund");
                        assertThat(a.httpStatus()).as("%s", a).isEqualTo(422);
                        assertThat(a.problemType()).as("%s", a).isEqualTo("/problems/refund-exceeds-donation");
                        rejectedRefunds.add(e);
                    }
                    default -> throw new AssertionError("Unexpected answer " + a);
                }
            }
            duplicates += duplicated.size();
            for (String id : duplicated) {
                assertThat(model.accepted).as("a duplicate answer for %s means it was accepted", id).containsKey(id);
            }
            for (Ev e : fresh) {
                if (!e.type().equals("refund")) {
                    assertThat(model.accepted).as("donations and shares are all accepted").containsKey(e.id());
                }
            }
        }

        // Refunds never add up past their donation, and each rejection was justified: what remains
        // refundable only shrinks, so at the end it is still less than the rejected amount.
        Map<String, Ev> donationsById = new HashMap<>();
        model.donations.forEach(d -> donationsById.put(d.id(), d));
        model.refundedOf.forEach((d, refunded) -> assertThat(refunded).as("refunded of %s", d)
                .isLessThanOrEqualTo(donationsById.get(d).amount()));
        for (Ev r : rejectedRefunds) {
            long remaining = donationsById.get(r.donationId()).amount() - model.refundedOf.getOrDefault(r.donationId(), 0L);
            assertThat(r.amount()).as("rejected refund %s of %s", r.id(), r.donationId()).isGreaterThan(remaining);
        }
        assertThat(rejectedRefunds).as("some over-refunds were rejected").isNotEmpty();
        assertThat(model.refunded).as("some refunds were accepted").isPositive();
        assertThat(duplicates).as("some replays answered duplicate").isPositive();

        // Totals: the API converges on the model, which equals SQL over the ledger.
        Totals expected = model.totals();
        Totals shown = await(CONVERGENCE, () -> api.totals(c), expected::equals);
        assertThat(shown).as("totals within %s", CONVERGENCE).isEqualTo(expected);
        LedgerSums.Totals sql = ledger.totals(c);
        assertThat(new Totals(sql.raisedMinor(), sql.donationCount(), sql.refundedMinor(), sql.shareCount()))
                .as("SQL sums over ledger_events").isEqualTo(expected);
        assertThat(ledger.fundraiserRaised(c)).as("SQL per fundraiser").containsExactlyInAnyOrderEntriesOf(model.raisedBy);
        assertThat(ledger.fundraiserShares(c)).as("SQL shares per fundraiser")
                .containsExactlyInAnyOrderEntriesOf(model.sharesBy);

        // Every board, read in pages, equals the model's.
        Map<String, Long> teamRaised = LiveApi.sumByKey(teamOf, model.raisedBy, teamNames.keySet());
        List<Entry> fundraisersBoard = ranked(model.raisedBy, names, false);
        Map<String, List<Entry>> boards = Map.of(
                "fundraisers", fundraisersBoard,
                "teams", ranked(teamRaised, teamNames, false),
                "sharers", ranked(model.sharesBy, names, false),
                "trending", ranked(model.raisedBy, names, true));
        assertThat(ledger.teamRaised(c)).as("SQL per team").containsExactlyInAnyOrderEntriesOf(teamRaised);
        boards.forEach((board, want) -> {
            assertThat(api.board(c, board, 7)).as("%s board in pages of 7; expected %s", board, describe(want))
                    .containsExactlyElementsOf(want);
            assertThat(api.page(c, board, 0, 100)).as("%s board in one page", board).containsExactlyElementsOf(want);
            assertThat(api.page(c, board, 3, 5)).as("%s board, offset 3 limit 5", board)
                    .containsExactlyElementsOf(want.subList(Math.min(3, want.size()), Math.min(8, want.size())));
        });
        assertThat(boards.get("sharers").stream().map(Entry::rank).distinct().count())
                .as("ties occurred on the sharers board").isLessThan(boards.get("sharers").size());

        // Each fundraiser's page agrees with the board.
        for (String f : fundraisers) {
            Map<String, Object> page = api.fundraiserPage(c, f);
            assertThat(page.get("id")).isEqualTo(f);
            assertThat(page.get("displayName")).isEqualTo(names.get(f));
            assertThat(number(page.get("shareCount"))).as("shares of %s", f).isEqualTo(model.sharesBy.get(f));
            assertThat(standingOf(page)).as("standing of %s", f).isEqualTo(expectedStanding(fundraisersBoard, f));
        }

        // The feed holds the newest 100 donations, each as accepted.
        List<Map<String, Object>> feed = api.feed(c, 100);
        assertThat(feed).hasSize((int) Math.min(100, model.donationCount));
        assertThat(feed.stream().map(e -> e.get("eventId")).distinct().count()).isEqualTo(feed.size());
        for (Map<String, Object> entry : feed) {
            Ev d = model.accepted.get((String) entry.get("eventId"));
            assertThat(d).as("feed entry %s is an accepted donation", entry).isNotNull();
            assertThat(d.type()).isEqualTo("donation");
            assertThat(number(entry.get("amountMinor"))).isEqualTo(d.amount());
            assertThat(entry.get("name")).as("name of %s", entry).isEqualTo(d.anonymous() ? null : d.donorName());
            assertThat(entry.get("message")).isEqualTo(d.message());
            assertThat(entry.get("fundraiserId")).isEqualTo(d.fundraiserId());
        }
    }

    // ------------------------------------------------------------------ 2. ties and ranks

    @Test
    void tiesShareARankAreOrderedByIdAndPageAcrossTieGroups() {
        String c = "ties";
        api.campaign(c, "Ties");
        api.team(c, "alpha", "Alpha");
        api.team(c, "north", "North");
        api.team(c, "south", "South");
        api.team(c, "zulu", "Zulu");
        api.team(c, "beta", "Beta");
        Map<String, String> names = new TreeMap<>(Map.of("kai", "Kai", "zoe", "Zoe", "mia", "Mia", "ada", "Ada",
                "bob", "Bob", "eve", "Eve", "dan", "Dan"));
        api.fundraiser(c, "kai", "Kai", "alpha");
        api.fundraiser(c, "zoe", "Zoe", "north");
        api.fundraiser(c, "mia", "Mia", "south");
        api.fundraiser(c, "ada", "Ada", null);
        api.fundraiser(c, "bob", "Bob", null);
        api.fundraiser(c, "eve", "Eve", null);
        api.fundraiser(c, "dan", "Dan", "north");
        // 500, 300, 300, 300, 100, 0, 0 - some of it net of refunds, posted in an order unlike the ids'.
        List<Answer> answers = api.postBatch(List.of(
                donation("t-zoe", c, "zoe", 400), refund("t-zoe-r", c, "t-zoe", 100),
                donation("t-kai-1", c, "kai", 250), donation("t-kai-2", c, "kai", 250),
                donation("t-mia", c, "mia", 300),
                donation("t-ada", c, "ada", 1_300), refund("t-ada-r", c, "t-ada", 1_000),
                donation("t-bob", c, "bob", 100),
                donation("t-eve", c, "eve", 50), refund("t-eve-r", c, "t-eve", 50),
                share("t-s1", c, "eve", "x", "v1"), share("t-s2", c, "dan", "email", "v2"),
                share("t-s3", c, "eve", "link", "v3"), share("t-s4", c, "dan", "x", "v4"),
                share("t-s5", c, "kai", "other", "v5")), false).block(LiveApi.TIMEOUT);
        assertThat(answers).extracting(Answer::status).containsOnly("accepted");

        List<Entry> fundraisers = List.of(new Entry(1, "kai", "Kai", 500), new Entry(2, "ada", "Ada", 300),
                new Entry(2, "mia", "Mia", 300), new Entry(2, "zoe", "Zoe", 300), new Entry(5, "bob", "Bob", 100),
                new Entry(6, "dan", "Dan", 0), new Entry(6, "eve", "Eve", 0));
        List<Entry> shown = await(CONVERGENCE, () -> api.page(c, "fundraisers", 0, 10), fundraisers::equals);
        assertThat(shown).isEqualTo(fundraisers);
        assertThat(api.totals(c)).isEqualTo(new Totals(1_500, 7, 1_150, 5));

        // Pages that start or end inside the tie group keep the group's rank and id order.
        assertThat(api.page(c, "fundraisers", 2, 2)).containsExactly(fundraisers.get(2), fundraisers.get(3));
        assertThat(api.page(c, "fundraisers", 3, 3)).containsExactly(fundraisers.get(3), fundraisers.get(4),
                fundraisers.get(5));
        assertThat(api.page(c, "fundraisers", 1, 1)).containsExactly(fundraisers.get(1));
        assertThat(api.page(c, "fundraisers", 6, 10)).containsExactly(fundraisers.get(6));
        assertThat(api.page(c, "fundraisers", 7, 10)).isEmpty();
        assertThat(api.page(c, "fundraisers", 1_000, 100)).isEmpty();
        for (int limit = 1; limit <= 7; limit++) {
            assertThat(api.board(c, "fundraisers", limit)).as("pages of %d", limit).isEqualTo(fundraisers);
        }

        assertThat(api.page(c, "teams", 0, 10)).containsExactly(new Entry(1, "alpha", "Alpha", 500),
                new Entry(2, "north", "North", 300), new Entry(2, "south", "South", 300),
                new Entry(4, "beta", "Beta", 0), new Entry(4, "zulu", "Zulu", 0));
        assertThat(api.page(c, "sharers", 0, 10)).containsExactly(new Entry(1, "dan", "Dan", 2),
                new Entry(1, "eve", "Eve", 2), new Entry(3, "kai", "Kai", 1), new Entry(4, "ada", "Ada", 0),
                new Entry(4, "bob", "Bob", 0), new Entry(4, "mia", "Mia", 0), new Entry(4, "zoe", "Zoe", 0));
        assertThat(api.page(c, "sharers", 1, 3)).containsExactly(new Entry(1, "eve", "Eve", 2),
                new Entry(3, "kai", "Kai", 1), new Entry(4, "ada", "Ada", 0));
        assertThat(api.page(c, "trending", 0, 10)).containsExactly(new Entry(1, "kai", "Kai", 500),
                new Entry(2, "ada", "Ada", 300), new Entry(2, "mia", "Mia", 300), new Entry(2, "zoe", "Zoe", 300),
                new Entry(5, "bob", "Bob", 100));
        assertThat(api.page(c, "trending", 3, 10)).containsExactly(new Entry(2, "zoe", "Zoe", 300),
                new Entry(5, "bob", "Bob", 100));

        // ahead: the next better-ranked fundraiser, i.e. the last of the group just above; null at #1.
        for (String f : names.keySet()) {
            assertThat(standingOf(api.fundraiserPage(c, f))).as("standing of %s", f)
                    .isEqualTo(expectedStanding(fundraisers, f));
        }
        Map<String, Object> zoe = api.fundraiserPage(c, "zoe");
        assertThat(number(zoe.get("rank"))).isEqualTo(2);
        assertThat(zoe.get("ahead")).isEqualTo(Map.of("id", "kai", "name", "Kai", "score", 500, "gapMinor", 200));
        assertThat(number(zoe.get("shareCount"))).isZero();
        assertThat(api.fundraiserPage(c, "bob").get("ahead"))
                .isEqualTo(Map.of("id", "zoe", "name", "Zoe", "score", 300, "gapMinor", 200));
        assertThat(api.fundraiserPage(c, "eve").get("ahead"))
                .isEqualTo(Map.of("id", "bob", "name", "Bob", "score", 100, "gapMinor", 100));
        Map<String, Object> kai = api.fundraiserPage(c, "kai");
        assertThat(kai.get("ahead")).isNull();
        assertThat(kai).containsKey("ahead");
        assertThat(number(kai.get("rank"))).isEqualTo(1);
        assertThat(number(kai.get("shareCount"))).isEqualTo(1);
        assertThat(number(api.fundraiserPage(c, "dan").get("shareCount"))).isEqualTo(2);
    }

    @Test
    void aTieForFirstPlaceIsRankOneForAllWithNobodyAhead() {
        String c = "ties-top";
        api.campaign(c, "Ties at the top");
        api.fundraiser(c, "b-two", "Two", null);
        api.fundraiser(c, "a-one", "One", null);
        api.fundraiser(c, "c-three", "Three", null);
        assertThat(api.postBatch(List.of(donation("tt-1", c, "b-two", 700), donation("tt-2", c, "a-one", 700),
                donation("tt-3", c, "c-three", 699)), true).block(LiveApi.TIMEOUT))
                .extracting(Answer::status).containsOnly("accepted");
        List<Entry> board = List.of(new Entry(1, "a-one", "One", 700), new Entry(1, "b-two", "Two", 700),
                new Entry(3, "c-three", "Three", 699));
        assertThat(await(CONVERGENCE, () -> api.page(c, "fundraisers", 0, 10), board::equals)).isEqualTo(board);
        assertThat(api.page(c, "fundraisers", 1, 1)).containsExactly(board.get(1));
        for (String f : List.of("a-one", "b-two")) {
            Map<String, Object> page = api.fundraiserPage(c, f);
            assertThat(number(page.get("rank"))).as(f).isEqualTo(1);
            assertThat(page.get("ahead")).as(f).isNull();
        }
        assertThat(api.fundraiserPage(c, "c-three").get("ahead"))
                .isEqualTo(Map.of("id", "b-two", "name", "Two", "score", 700, "gapMinor", 1));
    }

    // ------------------------------------------------------------------ 6. rebuild on request

    @Test
    void rebuildRecomputesEverythingWhileConcurrentReadsStayComplete() {
        String c = "rebuild-run";
        api.campaign(c, "Rebuild run");
        Map<String, String> teamNames = new TreeMap<>();
        for (int t = 1; t <= 3; t++) {
            teamNames.put("r" + t, "Rebuild team " + t);
            api.team(c, "r" + t, "Rebuild team " + t);
        }
        Map<String, String> names = new TreeMap<>();
        Map<String, String> teamOf = new HashMap<>();
        for (int i = 1; i <= 30; i++) {
            String f = String.format("rf%02d", i);
            names.put(f, "Runner " + i);
            String team = i % 4 == 0 ? null : "r" + (1 + i % 3);
            if (team != null) {
                teamOf.put(f, team);
            }
            api.fundraiser(c, f, "Runner " + i, team);
        }
        Random rnd = new Random(42);
        List<String> events = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            String f = String.format("rf%02d", 1 + rnd.nextInt(27));
            events.add(switch (i % 6) {
                case 0, 1, 2 -> donation("rb-d" + i, c, f, 100 * (1 + rnd.nextInt(20)));
                case 3 -> refund("rb-r" + i, c, "rb-d" + (i - 3), 100);
                case 4 -> share("rb-s" + i, c, f, "x", "v" + i);
                default -> donation("rb-d" + i, c, rnd.nextBoolean() ? null : f, 1 + rnd.nextInt(5_000));
            });
        }
        for (int from = 0; from < events.size(); from += 100) {
            assertThat(api.postBatch(events.subList(from, from + 100), from % 200 == 0).block(LiveApi.TIMEOUT))
                    .extracting(Answer::status).containsOnly("accepted");
        }

        LedgerSums.Totals sql = ledger.totals(c);
        Totals expectedTotals = new Totals(sql.raisedMinor(), sql.donationCount(), sql.refundedMinor(),
                sql.shareCount());
        Map<String, Long> raised = ledger.fundraiserRaised(c);
        Map<String, List<Entry>> expected = Map.of(
                "fundraisers", ranked(raised, names, false),
                "teams", ranked(ledger.teamRaised(c), teamNames, false),
                "sharers", ranked(ledger.fundraiserShares(c), names, false),
                "trending", ranked(raised, names, true));
        assertThat(LiveApi.sumByKey(teamOf, raised, teamNames.keySet())).isEqualTo(ledger.teamRaised(c));
        assertThat(await(CONVERGENCE, () -> api.totals(c), expectedTotals::equals)).isEqualTo(expectedTotals);
        expected.forEach((board, want) -> assertThat(api.page(c, board, 0, 100)).as(board).isEqualTo(want));

        // No token, or a token that is not the organizer's: 401, nothing rebuilt.
        for (String token : new String[] { null, TestServices.INGEST_TOKEN, "not-the-token" }) {
            http.post().uri("/api/admin/rebuild").headers(h -> {
                if (token != null) {
                    h.setBearerAuth(token);
                }
            }).exchange().expectStatus().isUnauthorized()
                    .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody().jsonPath("$.status").isEqualTo(401);
        }

        String generationKey = LiveKeys.generationKey(c);
        String generationBefore = redis.opsForValue().get(generationKey).block(LiveApi.TIMEOUT);

        // A loop of reads over every board and the totals while rebuilds run; each read must be whole.
        AtomicBoolean stop = new AtomicBoolean();
        List<String> bad = Collections.synchronizedList(new ArrayList<>());
        List<long[]> readWindows = Collections.synchronizedList(new ArrayList<>());
        List<String> targets = List.of("totals", "fundraisers", "teams", "sharers", "trending");
        AtomicLong turn = new AtomicLong();
        Mono<Void> oneRead = Mono.defer(() -> {
            String target = targets.get((int) (turn.getAndIncrement() % targets.size()));
            long start = System.nanoTime();
            Mono<Object> read = target.equals("totals")
                    ? api.getAsync("/api/campaigns/" + c + "/totals").map(LiveApi::totals).cast(Object.class)
                    : api.pageAsync(c, target, 0, 100).cast(Object.class);
            Object want = target.equals("totals") ? expectedTotals : expected.get(target);
            return read.doOnNext(got -> {
                if (!got.equals(want)) {
                    bad.add(target + " read " + got);
                }
            }).onErrorResume(error -> {
                bad.add(target + " failed: " + error);
                return Mono.empty();
            }).doOnTerminate(() -> readWindows.add(new long[] { start, System.nanoTime() })).then();
        });
        // One loop by default; -Dlive.readers=4 runs more at once (see the report on Redis lock contention).
        int loops = Integer.getInteger("live.readers", 1);
        CompletableFuture<Void> readers = Flux.range(0, loops).flatMap(i -> oneRead.repeat(() -> !stop.get()), loops)
                .then().toFuture();

        List<long[]> rebuildWindows = new ArrayList<>();
        long campaigns = ledger.number("select count(*) from campaigns");
        long ledgerEvents = ledger.number("select count(*) from ledger_events");
        try {
            for (int i = 0; i < 4; i++) {
                long start = System.nanoTime();
                rebuild().expectStatus().isOk()
                        .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
                        .expectBody()
                        .jsonPath("$.campaigns").isEqualTo((int) campaigns)
                        .jsonPath("$.events").isEqualTo((int) ledgerEvents);
                rebuildWindows.add(new long[] { start, System.nanoTime() });
            }
            // Two at once share one run (or run one after the other): both answer the same counts.
            List<Map<String, Object>> both = Flux.range(0, 2).flatMap(i -> api.rebuild())
                    .doOnNext(answer -> assertThat(answer.getKey()).as("%s", answer.getValue()).isEqualTo(200))
                    .map(Map.Entry::getValue).collectList().block(LiveApi.TIMEOUT);
            assertThat(both).hasSize(2).allSatisfy(json -> {
                assertThat(number(json.get("campaigns"))).isEqualTo(campaigns);
                assertThat(number(json.get("events"))).isEqualTo(ledgerEvents);
            });
        }
        finally {
            stop.set(true);
            readers.join();
        }
        assertThat(bad).as("reads during rebuilds that were not the complete board").isEmpty();
        long overlapping = readWindows.stream().filter(r -> rebuildWindows.stream()
                .anyMatch(w -> r[0] < w[1] && r[1] > w[0])).count();
        assertThat(overlapping).as("reads that ran while a rebuild did (of %d)", readWindows.size()).isPositive();
        String generationAfter = redis.opsForValue().get(generationKey).block(LiveApi.TIMEOUT);
        assertThat(generationAfter).as("a rebuild swapped in a fresh generation").isNotEqualTo(generationBefore);

        // Afterwards every figure is still the ledger's, and the live applier carries on from it.
        assertThat(api.totals(c)).isEqualTo(expectedTotals);
        expected.forEach((board, want) -> assertThat(api.board(c, board, 9)).as(board).isEqualTo(want));
        long rf28 = number(api.fundraiserPage(c, "rf28").get("raisedMinor"));
        assertThat(rf28).isEqualTo(raised.get("rf28"));
        assertThat(api.post(donation("rb-after", c, "rf28", 12_345)).block(LiveApi.TIMEOUT).status())
                .isEqualTo("accepted");
        Totals after = new Totals(expectedTotals.raisedMinor() + 12_345, expectedTotals.donationCount() + 1,
                expectedTotals.refundedMinor(), expectedTotals.shareCount());
        assertThat(await(CONVERGENCE, () -> api.totals(c), after::equals)).isEqualTo(after);
        assertThat(number(api.fundraiserPage(c, "rf28").get("raisedMinor"))).isEqualTo(rf28 + 12_345);
    }

    private WebTestClient.ResponseSpec rebuild() {
        return http.post().uri("/api/admin/rebuild").headers(h -> h.setBearerAuth(TestServices.ORGANIZER_TOKEN))
                .exchange();
    }

    // ------------------------------------------------------------------ 7. read API basics

    @Test
    void unknownsAre404AndBadPagingIs400ProblemJson() {
        String c = "basics";
        api.campaign(c, "Basics");
        api.fundraiser(c, "ann", "Ann", null);
        for (String path : List.of("/api/campaigns/nope", "/api/campaigns/nope/totals",
                "/api/campaigns/nope/leaderboards/fundraisers", "/api/campaigns/nope/leaderboards/trending",
                "/api/campaigns/nope/fundraisers/ann", "/api/campaigns/nope/feed")) {
            problem(path, 404);
        }
        problem("/api/campaigns/basics/fundraisers/ghost", 404);
        problem("/api/campaigns/basics/leaderboards/richest", 404);
        for (String query : List.of("limit=0", "limit=101", "limit=abc", "limit=", "limit=1.5")) {
            problem("/api/campaigns/basics/leaderboards/fundraisers?" + query, 400)
                    .jsonPath("$.errors[0].field").isEqualTo("limit");
            problem("/api/campaigns/basics/feed?" + query, 400).jsonPath("$.errors[0].field").isEqualTo("limit");
        }
        for (String query : List.of("offset=-1", "offset=abc")) {
            problem("/api/campaigns/basics/leaderboards/teams?" + query, 400)
                    .jsonPath("$.errors[0].field").isEqualTo("offset");
        }
        // The bounds themselves are fine, and a known campaign with no figures reads as zeros.
        http.get().uri("/api/campaigns/basics/leaderboards/sharers?limit=100&offset=0").exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.board").isEqualTo("sharers")
                .jsonPath("$.entries[0].id").isEqualTo("ann").jsonPath("$.entries[0].rank").isEqualTo(1);
        http.get().uri("/api/campaigns/basics/leaderboards/fundraisers?limit=1").exchange().expectStatus().isOk();
        http.get().uri("/api/campaigns/basics/feed?limit=100").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.entries.length()").isEqualTo(0);
        http.get().uri("/api/campaigns/basics/totals").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.campaignId").isEqualTo("basics").jsonPath("$.currency").isEqualTo("EUR")
                .jsonPath("$.goalMinor").isEqualTo(1_000_000).jsonPath("$.raisedMinor").isEqualTo(0)
                .jsonPath("$.donationCount").isEqualTo(0).jsonPath("$.refundedMinor").isEqualTo(0)
                .jsonPath("$.shareCount").isEqualTo(0);
        http.get().uri("/api/campaigns/basics").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.id").isEqualTo("basics").jsonPath("$.totals.raisedMinor").isEqualTo(0);
        Map<String, Object> ann = api.fundraiserPage(c, "ann");
        assertThat(number(ann.get("raisedMinor"))).isZero();
        assertThat(number(ann.get("rank"))).isEqualTo(1);
        assertThat(ann.get("ahead")).isNull();
    }

    private WebTestClient.BodyContentSpec problem(String path, int status) {
        return http.get().uri(path).exchange()
                .expectStatus().isEqualTo(status)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.status").isEqualTo(status)
                .jsonPath("$.type").isNotEmpty()
                .jsonPath("$.title").isNotEmpty()
                .jsonPath("$.detail").isNotEmpty();
    }

    @Test
    void feedIsNewestFirstAndAnonymousDonorsHaveNoName() {
        String c = "feed";
        api.campaign(c, "Feed");
        api.fundraiser(c, "ann", "Ann", null);
        List<String> events = List.of(
                "{\"type\":\"donation\",\"eventId\":\"fd-1\",\"campaignId\":\"feed\",\"fundraiserId\":\"ann\","
                        + "\"amountMinor\":2500,\"currency\":\"EUR\",\"donorName\":\"Chlo\u00e9\",\"anonymous\":false,"
                        + "\"message\":\"Allez !\",\"occurredAt\":\"2026-11-21T20:15:00Z\"}",
                donation("fd-2", c, "ann", 500, "Secret Santa", true, "Anonymous but kind"),
                share("fd-s", c, "ann", "whatsapp", "v1"),
                refund("fd-r", c, "fd-1", 1_000),
                donation("fd-3", c, null, 200, null, false, null));
        for (String event : events) {
            // One at a time: each is committed before the next, so the feed's order is known.
            assertThat(api.post(event).block(LiveApi.TIMEOUT).status()).isEqualTo("accepted");
        }
        List<Map<String, Object>> feed = await(CONVERGENCE, () -> api.feed(c, 20), f -> f.size() >= 3);
        assertThat(feed).extracting(e -> e.get("eventId")).containsExactly("fd-3", "fd-2", "fd-1");
        Map<String, Object> third = feed.get(0);
        assertThat(third).containsEntry("name", null).containsEntry("amountMinor", 200)
                .doesNotContainKeys("message", "fundraiserId").containsKey("at");
        assertThat(feed.get(1)).containsEntry("name", null).containsEntry("message", "Anonymous but kind")
                .containsEntry("amountMinor", 500).containsEntry("fundraiserId", "ann");
        assertThat(feed.get(1).get("name")).isNull();
        assertThat(feed.get(2)).containsEntry("name", "Chlo\u00e9").containsEntry("message", "Allez !")
                .containsEntry("amountMinor", 2500).containsEntry("fundraiserId", "ann")
                .containsEntry("at", "2026-11-21T20:15:00Z");
        assertThat(api.feed(c, 2)).extracting(e -> e.get("eventId")).containsExactly("fd-3", "fd-2");
        assertThat(api.feed(c, 1)).extracting(e -> e.get("eventId")).containsExactly("fd-3");
        Totals totals = new Totals(2_200, 3, 1_000, 1);
        assertThat(await(CONVERGENCE, () -> api.totals(c), totals::equals)).isEqualTo(totals);
        // updatedAt: when the last event was recorded (to the millisecond the API shows).
        long lastRecorded = ledger.number("select (extract(epoch from date_trunc('milliseconds', max(recorded_at)))"
                + " * 1000)::bigint from ledger_events where campaign_id = 'feed'");
        assertThat(Instant.parse((String) api.get("/api/campaigns/feed/totals").get("updatedAt")))
                .isEqualTo(Instant.ofEpochMilli(lastRecorded));
    }

    @Test
    void renamingAndMovingAFundraiserShowOnTheBoards() {
        String c = "moves";
        api.campaign(c, "Moves");
        api.team(c, "red", "Red");
        api.team(c, "blue", "Blue");
        api.fundraiser(c, "mover", "Mover", "red");
        api.fundraiser(c, "stayer", "Stayer", "red");
        assertThat(api.postBatch(List.of(donation("mv-1", c, "mover", 700), donation("mv-2", c, "stayer", 200),
                donation("mv-3", c, "mover", 100), refund("mv-r", c, "mv-3", 100)), false).block(LiveApi.TIMEOUT))
                .extracting(Answer::status).containsOnly("accepted");
        List<Entry> teams = List.of(new Entry(1, "red", "Red", 900), new Entry(2, "blue", "Blue", 0));
        assertThat(await(CONVERGENCE, () -> api.page(c, "teams", 0, 10), teams::equals)).isEqualTo(teams);

        api.fundraiser(c, "mover", "Mover Renamed", "red");
        List<Entry> renamed = List.of(new Entry(1, "mover", "Mover Renamed", 700),
                new Entry(2, "stayer", "Stayer", 200));
        assertThat(await(CONVERGENCE, () -> api.page(c, "fundraisers", 0, 10), renamed::equals)).isEqualTo(renamed);
        assertThat(api.page(c, "sharers", 0, 10)).extracting(Entry::name).containsExactly("Mover Renamed", "Stayer");
        assertThat(api.page(c, "trending", 0, 10)).extracting(Entry::name).containsExactly("Mover Renamed", "Stayer");
        assertThat(await(CONVERGENCE, () -> api.fundraiserPage(c, "mover").get("displayName"),
                "Mover Renamed"::equals)).isEqualTo("Mover Renamed");
        assertThat(api.fundraiserPage(c, "stayer").get("ahead"))
                .isEqualTo(Map.of("id", "mover", "name", "Mover Renamed", "score", 700, "gapMinor", 500));
        assertThat(api.page(c, "teams", 0, 10)).isEqualTo(teams);

        // Moving to another team moves the whole net amount with it; later gifts follow.
        api.fundraiser(c, "mover", "Mover Renamed", "blue");
        List<Entry> moved = List.of(new Entry(1, "blue", "Blue", 700), new Entry(2, "red", "Red", 200));
        assertThat(await(CONVERGENCE, () -> api.page(c, "teams", 0, 10), moved::equals)).isEqualTo(moved);
        assertThat(api.post(donation("mv-4", c, "mover", 50)).block(LiveApi.TIMEOUT).status()).isEqualTo("accepted");
        List<Entry> grown = List.of(new Entry(1, "blue", "Blue", 750), new Entry(2, "red", "Red", 200));
        assertThat(await(CONVERGENCE, () -> api.page(c, "teams", 0, 10), grown::equals)).isEqualTo(grown);
        assertThat(ledger.teamRaised(c)).containsExactlyInAnyOrderEntriesOf(Map.of("blue", 750L, "red", 200L));

        // Leaving every team takes the amount off the teams board; renaming a team shows too.
        api.fundraiser(c, "mover", "Mover Renamed", null);
        api.team(c, "red", "Red Hot");
        List<Entry> left = List.of(new Entry(1, "red", "Red Hot", 200), new Entry(2, "blue", "Blue", 0));
        assertThat(await(CONVERGENCE, () -> api.page(c, "teams", 0, 10), left::equals)).isEqualTo(left);
        assertThat(ledger.teamRaised(c)).containsExactlyInAnyOrderEntriesOf(Map.of("blue", 0L, "red", 200L));
        assertThat(api.page(c, "fundraisers", 0, 10)).containsExactly(new Entry(1, "mover", "Mover Renamed", 750),
                new Entry(2, "stayer", "Stayer", 200));
    }
}

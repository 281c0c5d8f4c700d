package org.leaderboard.leaderboard;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The bounded commands that write a campaign's whole state under a fresh generation, prepared
 * before the generation is known so that none of this work runs on a Redis event loop.
 */
final class StateBuild {

    /** Members or fields per command. */
    private static final int CHUNK_SIZE = 500;

    /** One command of the write-chunk script on the generation's key {@code name}. */
    record Chunk(String name, String command, List<String> args) {
    }

    final long batchId;
    final List<Chunk> chunks = new ArrayList<>();
    /** The generation's keys written, which must all still exist at the swap. */
    final Set<String> written = new LinkedHashSet<>();
    /** Written last: a generation is complete only once it has its batch id. */
    final Chunk applied;

    /** {@code now} ends the trending window the state is cut to. */
    StateBuild(CampaignState state, long batchId, Instant now) {
        this.batchId = batchId;

        Totals totals = state.totals() == null ? Totals.NONE : state.totals();
        List<String> fields = new ArrayList<>(List.of("raisedMinor", Long.toString(totals.raisedMinor()),
                "donationCount", Long.toString(totals.donationCount()),
                "refundedMinor", Long.toString(totals.refundedMinor()),
                "shareCount", Long.toString(totals.shareCount())));
        if (totals.updatedAt() != null) {
            fields.addAll(List.of("updatedAt", Long.toString(totals.updatedAt().toEpochMilli())));
        }
        add("totals", "HSET", fields);

        Map<String, String> fundraiserNames = orEmpty(state.fundraiserNames());
        Map<String, String> teamNames = orEmpty(state.teamNames());
        Map<String, String> teamOf = orEmpty(state.teamOf());
        // As after putFundraiser and putTeam, every known fundraiser and team is on its boards.
        chunked("fundraisers", "ZADD", members(union(fundraiserNames.keySet(), orEmpty(state.fundraiserRaised()))), 2);
        chunked("sharers", "ZADD", members(union(fundraiserNames.keySet(), orEmpty(state.fundraiserShares()))), 2);
        Map<String, Long> teams = union(teamNames.keySet(), orEmpty(state.teamRaised()));
        teamOf.values().forEach(team -> teams.putIfAbsent(team, 0L));
        chunked("teams", "ZADD", members(teams), 2);

        List<String> labels = new ArrayList<>();
        fundraiserNames.forEach((id, name) -> labels.addAll(List.of("f:" + id, name)));
        teamNames.forEach((id, name) -> labels.addAll(List.of("t:" + id, name)));
        chunked("names", "HSET", labels, 2);
        List<String> memberships = new ArrayList<>();
        teamOf.forEach((fundraiser, team) -> memberships.addAll(List.of(fundraiser, team)));
        chunked("teamof", "HSET", memberships, 2);

        trend(orEmpty(state.trendBuckets()), Math.floorDiv(now.getEpochSecond(), 60));

        Map<String, Long> referred = new LinkedHashMap<>(orEmpty(state.referred()));
        referred.values().removeIf(amount -> amount == 0);
        chunked("referrals", "ZADD", members(referred), 2);
        List<String> viral = new ArrayList<>();
        orEmpty(state.viral()).forEach((field, value) -> viral.addAll(List.of(field, value)));
        chunked("viral", "HSET", viral, 2);

        List<FeedEntry> feed = state.feedNewestFirst() == null ? List.of() : state.feedNewestFirst();
        chunked("feed", "RPUSH", feed.stream().limit(LeaderboardStore.MAX_LIMIT).map(FeedJson::write).toList(), 1);

        written.add("applied");
        applied = new Chunk("applied", "SET", List.of(Long.toString(batchId)));
    }

    /** The trending window ending at {@code nowMinute}, as lib/trending.lua keeps it. */
    private void trend(Map<Long, Map<String, Long>> buckets, long nowMinute) {
        Map<String, Long> window = new LinkedHashMap<>();
        List<String> log = new ArrayList<>();
        List<String> index = new ArrayList<>();
        buckets.forEach((minute, amounts) -> {
            if (minute <= nowMinute - 60) {
                return;
            }
            amounts.forEach((fundraiser, amount) -> {
                String field = minute + ":" + fundraiser;
                log.addAll(List.of(field, Long.toString(amount)));
                index.addAll(List.of(Long.toString(minute), field));
                window.merge(fundraiser, amount, Math::addExact);
            });
        });
        window.values().removeIf(amount -> amount == 0);
        chunked("trend:window", "ZADD", members(window), 2);
        chunked("trend:log", "HSET", log, 2);
        chunked("trend:index", "ZADD", index, 2);
        add("trend:end", "SET", List.of(Long.toString(nowMinute)));
    }

    /** Splits flat arguments, {@code width} per member or field, into chunks of {@link #CHUNK_SIZE}. */
    private void chunked(String name, String command, List<String> args, int width) {
        int step = CHUNK_SIZE * width;
        for (int from = 0; from < args.size(); from += step) {
            add(name, command, args.subList(from, Math.min(args.size(), from + step)));
        }
    }

    private void add(String name, String command, List<String> args) {
        chunks.add(new Chunk(name, command, args));
        written.add(name);
    }

    private static List<String> members(Map<String, Long> scores) {
        List<String> args = new ArrayList<>(scores.size() * 2);
        scores.forEach((id, score) -> {
            args.add(Long.toString(score));
            args.add(id);
        });
        return args;
    }

    private static Map<String, Long> union(Set<String> ids, Map<String, Long> scores) {
        Map<String, Long> all = new LinkedHashMap<>(scores);
        ids.forEach(id -> all.putIfAbsent(id, 0L));
        return all;
    }

    private static <K, V> Map<K, V> orEmpty(Map<K, V> map) {
        return map == null ? Map.of() : map;
    }
}

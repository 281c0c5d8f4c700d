package org.leaderboard.viral;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.leaderboard.leaderboard.Match;
import org.leaderboard.leaderboard.Milestone;
import org.leaderboard.leaderboard.Pledge;
import org.leaderboard.leaderboard.ViralDefinitions;
import org.leaderboard.system.ApiProblem;
import org.leaderboard.viral.ViralSetup.Saved;
import org.springframework.http.HttpStatus;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import org.springframework.stereotype.Component;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Mono;

/**
 * Owns the SQL of what organizers set up for the viral mechanics (milestones, pledges, matches)
 * and of moderation's hidden messages. Each PUT is one upsert; {@code xmax = 0} tells an insert
 * from an update. What the ledger decides about matches ({@code matched_minor} and the
 * allocations) is the ledger writer's, under the same row locks.
 */
@Component
class ViralStore implements ViralDefinitions {

    private final DatabaseClient db;

    ViralStore(DatabaseClient db) {
        this.db = db;
    }

    /** Creates or replaces a milestone; one already reached stays reached (at its time). */
    Mono<Saved<Milestone>> saveMilestone(String campaignId, Milestone m) {
        return db.sql("""
                insert into milestones (campaign_id, id, metric, threshold, label) values ($1, $2, $3, $4, $5)
                on conflict (campaign_id, id) do update set metric = excluded.metric,
                    threshold = excluded.threshold, label = excluded.label, updated_at = now()
                returning *, (extract(epoch from reached_at) * 1000000)::bigint as reached_micros,
                    (xmax = 0) as created
                """)
                .bind(0, campaignId)
                .bind(1, m.id())
                .bind(2, m.metric())
                .bind(3, m.threshold())
                .bind(4, m.label())
                .map(row -> new Saved<>(milestone(row), created(row)))
                .one();
    }

    Mono<Saved<Pledge>> savePledge(String campaignId, Pledge p) {
        return db.sql("""
                insert into pledges (campaign_id, id, sponsor, per_share_minor, cap_minor, bonus_at_shares, bonus_minor)
                values ($1, $2, $3, $4, $5, $6, $7)
                on conflict (campaign_id, id) do update set sponsor = excluded.sponsor,
                    per_share_minor = excluded.per_share_minor, cap_minor = excluded.cap_minor,
                    bonus_at_shares = excluded.bonus_at_shares, bonus_minor = excluded.bonus_minor, updated_at = now()
                returning *, (xmax = 0) as created
                """)
                .bind(0, campaignId)
                .bind(1, p.id())
                .bind(2, p.sponsor())
                .bind(3, p.perShareMinor())
                .bind(4, p.capMinor())
                .bind(5, Parameter.fromOrEmpty(p.bonusAtShares(), Long.class))
                .bind(6, Parameter.fromOrEmpty(p.bonusMinor(), Long.class))
                .map(row -> new Saved<>(pledge(row), created(row)))
                .one();
    }

    /**
     * Creates or replaces a match. Its cap may not go below what it has already matched (422):
     * those allocations are recorded with their donations. The upsert takes the row lock the
     * ledger writer takes, so the check and the new terms hold against donations committing now.
     */
    Mono<Saved<Match>> saveMatch(String campaignId, Match m) {
        return db.sql("""
                insert into matches (campaign_id, id, sponsor, ratio_percent, cap_minor, starts_at, ends_at)
                values ($1, $2, $3, $4, $5, $6, $7)
                on conflict (campaign_id, id) do update set sponsor = excluded.sponsor,
                    ratio_percent = excluded.ratio_percent, cap_minor = excluded.cap_minor,
                    starts_at = excluded.starts_at, ends_at = excluded.ends_at, updated_at = now()
                where matches.matched_minor <= excluded.cap_minor
                returning *, (xmax = 0) as created
                """)
                .bind(0, campaignId)
                .bind(1, m.id())
                .bind(2, m.sponsor())
                .bind(3, m.ratioPercent())
                .bind(4, m.capMinor())
                .bind(5, m.startsAt().atOffset(ZoneOffset.UTC))
                .bind(6, m.endsAt().atOffset(ZoneOffset.UTC))
                .map(row -> new Saved<>(match(row), created(row)))
                .one()
                .switchIfEmpty(Mono.error(() -> ApiProblem.of(HttpStatus.UNPROCESSABLE_CONTENT, "cap-below-matched",
                        "Cap below what was matched", "Match '" + m.id() + "' has already matched more than "
                                + m.capMinor() + " minor units; its cap cannot go below that")));
    }

    @Override
    public Mono<Campaign> campaign(String campaignId) {
        return load("where campaign_id = $1", campaignId)
                .map(all -> all.getOrDefault(campaignId, new Campaign(List.of(), List.of(), List.of())));
    }

    @Override
    public Mono<Map<String, Campaign>> all() {
        return load("", null);
    }

    /** The three tables, each read to its end before the next is asked (one connection may carry them). */
    private Mono<Map<String, Campaign>> load(String where, String campaignId) {
        Map<String, List<Pledge>> pledges = new HashMap<>();
        Map<String, List<Match>> matches = new HashMap<>();
        Map<String, List<Milestone>> milestones = new HashMap<>();
        return query("select * from pledges " + where + " order by campaign_id, id", campaignId)
                .map(row -> Map.entry(row.get("campaign_id", String.class), pledge(row)))
                .all()
                .doOnNext(e -> pledges.computeIfAbsent(e.getKey(), c -> new ArrayList<>()).add(e.getValue()))
                .then(Mono.defer(() -> query("select * from matches " + where + " order by campaign_id, id", campaignId)
                        .map(row -> Map.entry(row.get("campaign_id", String.class), match(row)))
                        .all()
                        .doOnNext(e -> matches.computeIfAbsent(e.getKey(), c -> new ArrayList<>()).add(e.getValue()))
                        .then()))
                .then(Mono.defer(() -> query("select *, (extract(epoch from reached_at) * 1000000)::bigint as "
                        + "reached_micros from milestones " + where + " order by campaign_id, id", campaignId)
                        .map(row -> Map.entry(row.get("campaign_id", String.class), milestone(row)))
                        .all()
                        .doOnNext(e -> milestones.computeIfAbsent(e.getKey(), c -> new ArrayList<>()).add(e.getValue()))
                        .then()))
                .then(Mono.fromSupplier(() -> {
                    Map<String, Campaign> all = new LinkedHashMap<>();
                    for (String c : union(pledges.keySet(), matches.keySet(), milestones.keySet())) {
                        all.put(c, new Campaign(pledges.getOrDefault(c, List.of()), matches.getOrDefault(c, List.of()),
                                milestones.getOrDefault(c, List.of())));
                    }
                    return all;
                }));
    }

    private DatabaseClient.GenericExecuteSpec query(String sql, String campaignId) {
        DatabaseClient.GenericExecuteSpec spec = db.sql(sql);
        return campaignId == null ? spec : spec.bind(0, campaignId);
    }

    @Override
    public Mono<Map<String, Instant>> markReached(String campaignId, List<String> milestoneIds) {
        return db.sql("""
                update milestones set reached_at = now()
                where campaign_id = $1 and id = any($2) and reached_at is null
                returning id, (extract(epoch from reached_at) * 1000000)::bigint as reached_micros
                """)
                .bind(0, campaignId)
                .bind(1, milestoneIds.toArray(String[]::new))
                .map(row -> Map.entry(row.get("id", String.class), micros(row.get("reached_micros", Long.class))))
                .all()
                .collectMap(Map.Entry::getKey, Map.Entry::getValue);
    }

    /** Hides a donation's message; answers whether it was shown until now. */
    Mono<Boolean> hide(String campaignId, String eventId) {
        return db.sql("insert into hidden_messages (campaign_id, event_id) values ($1, $2) on conflict do nothing")
                .bind(0, campaignId)
                .bind(1, eventId)
                .fetch()
                .rowsUpdated()
                .map(rows -> rows > 0);
    }

    /** Shows a hidden message again; answers whether it was hidden. */
    Mono<Boolean> unhide(String eventId) {
        return db.sql("delete from hidden_messages where event_id = $1")
                .bind(0, eventId)
                .fetch()
                .rowsUpdated()
                .map(rows -> rows > 0);
    }

    private static Milestone milestone(Readable row) {
        Long reached = row.get("reached_micros", Long.class);
        return new Milestone(row.get("id", String.class), row.get("metric", String.class),
                row.get("threshold", Long.class), row.get("label", String.class),
                reached == null ? null : micros(reached));
    }

    private static Pledge pledge(Readable row) {
        return new Pledge(row.get("id", String.class), row.get("sponsor", String.class),
                row.get("per_share_minor", Long.class), row.get("cap_minor", Long.class),
                row.get("bonus_at_shares", Long.class), row.get("bonus_minor", Long.class));
    }

    private static Match match(Readable row) {
        return new Match(row.get("id", String.class), row.get("sponsor", String.class),
                row.get("ratio_percent", Integer.class), row.get("cap_minor", Long.class),
                row.get("starts_at", OffsetDateTime.class).toInstant(),
                row.get("ends_at", OffsetDateTime.class).toInstant());
    }

    private static boolean created(Readable row) {
        return Boolean.TRUE.equals(row.get("created", Boolean.class));
    }

    private static Instant micros(long value) {
        return Instant.EPOCH.plus(value, ChronoUnit.MICROS);
    }

    @SafeVarargs
    private static List<String> union(Set<String>... sets) {
        TreeSet<String> all = new TreeSet<>();
        for (Set<String> s : sets) {
            all.addAll(s);
        }
        return new ArrayList<>(all);
    }
}

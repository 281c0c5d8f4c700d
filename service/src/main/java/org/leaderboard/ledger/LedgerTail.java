package org.leaderboard.ledger;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import org.springframework.stereotype.Component;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The read side of the ledger for the live aggregates: the applier's progress row and the
 * pages of committed events it has not applied yet, in snapshot order (see V2__live_apply.sql),
 * plus the aggregate queries a rebuild recomputes everything from. {@link LedgerStore} owns the
 * writes; together they are the only classes with ledger SQL.
 */
@Component
public class LedgerTail {

    // Timestamps as epoch microseconds: the driver hands timestamptz over as text, and parsing it
    // with a DateTimeFormatter cost more than anything else per applied row.
    // A message hidden by moderation is left out; matched lists "matchId amount" pairs of the
    // event's match allocations (an index probe per row, nothing for a campaign without matches).
    private static final String EVENT_COLUMNS = """
            e.seq, e.type, e.event_id, e.campaign_id, e.fundraiser_id, coalesce(e.amount_minor, 0) as amount_minor,
            e.donor_name, e.anonymous,
            case when e.message is not null
                      and exists (select 1 from hidden_messages h where h.event_id = e.event_id) then null
                 else e.message end as message,
            e.referrer_id,
            (select string_agg(a.match_id || ' ' || a.amount_minor, ' ') from match_allocations a
             where a.event_id = e.event_id) as matched,
            (extract(epoch from e.occurred_at) * 1000000)::bigint as occurred_micros,
            (extract(epoch from e.recorded_at) * 1000000)::bigint as recorded_micros""";

    /** The planner settings of an applier step's transaction (see {@link #lockProgress}), as select-list items. */
    private static final String STEP_SETTING_ITEMS = "set_config('plan_cache_mode', 'force_custom_plan', true), "
            + "set_config('enable_seqscan', 'off', true)";
    private static final String REBUILD_SETTING_ITEMS = "set_config('plan_cache_mode', 'force_custom_plan', true)";
    /** The same settings as a statement of their own. */
    static final String STEP_SETTINGS = "select " + STEP_SETTING_ITEMS;

    /** {@link #page}: $1 prev snapshot, $2 cur snapshot, $3 cursor seq, $4 limit. */
    static final String PAGE = """
            select %s from ledger_events e
            where ((xid >= pg_snapshot_xmax($1::pg_snapshot) and xid < pg_snapshot_xmax($2::pg_snapshot))
                   or xid = any (array(select pg_snapshot_xip($1::pg_snapshot))))
              and not pg_visible_in_snapshot(xid, $1::pg_snapshot)
              and pg_visible_in_snapshot(xid, $2::pg_snapshot)
              and seq + 0 > $3
            order by seq + 0
            limit $4
            """.formatted(EVENT_COLUMNS);

    /** {@link #nextStep}: $1 prev snapshot, $2 rows. */
    static final String NEXT_STEP = """
                with c as materialized (select pg_current_snapshot() as s)
                select c.s::text as cur,
                       (select xid::text from ledger_events
                        where xid >= pg_snapshot_xmax($1::pg_snapshot) and xid < pg_snapshot_xmax(c.s)
                        order by ledger_events.xid offset $2 limit 1) as bound,
                       (select xid::text from ledger_events
                        where xid >= pg_snapshot_xmax($1::pg_snapshot) and xid < pg_snapshot_xmax(c.s)
                        order by ledger_events.xid limit 1) as first,
                       (select seq from ledger_events
                        where xid >= pg_snapshot_xmax($1::pg_snapshot) and xid < pg_snapshot_xmax(c.s)
                        order by ledger_events.xid limit 1) as first_seq,
                       (select max(seq) from ledger_events) as last_seq
                from c
                """;

    private final DatabaseClient db;

    LedgerTail(DatabaseClient db) {
        this.db = db;
    }

    /** The applier's progress; {@code cur} is null between two snapshots. */
    public record Progress(String prev, String cur, long cursorSeq, long batchId) {
    }

    /** One committed ledger row as the live aggregates need it. */
    public record TailEvent(long seq, String type, String eventId, String campaignId, String fundraiserId,
            long amountMinor, String donorName, boolean anonymous, String message, Instant occurredAt,
            Instant recordedAt, String referrerId, Map<String, Long> matched) {
    }

    /**
     * Locks the progress row for this transaction, or completes empty when another instance's
     * applier holds it; {@code wait}: waits for it instead (a rebuild). Must run inside a transaction.
     */
    public Mono<Progress> lockProgress(boolean wait) {
        // The page query's bounds come from snapshots passed as parameters; a generic plan cannot
        // see them and walks the whole ledger by seq, while a plan made for the actual values
        // takes the few new rows from the xid index. Planning costs well under a millisecond.
        // An applier step only ever reads the newest rows by index, but the planner's estimate for
        // the newest transaction ids (past its statistics) can be far too high, and then a scan of
        // the whole ledger looks cheaper: seq scans are off for the step. A rebuild reads the whole
        // ledger and keeps them.
        // The settings ride on the locking statement (one round trip less per step): they take
        // effect for the statements after it, and when the row is skipped nothing follows.
        return db.sql("select " + (wait ? REBUILD_SETTING_ITEMS : STEP_SETTING_ITEMS)
                        + ", prev_snapshot::text as prev, cur_snapshot::text as cur, cursor_seq, batch_id "
                        + "from live_apply_progress where id = 1 for update" + (wait ? "" : " skip locked"))
                .map(row -> new Progress(row.get("prev", String.class), row.get("cur", String.class),
                        row.get("cursor_seq", Long.class), row.get("batch_id", Long.class)))
                .one();
    }

    /**
     * The snapshot the applier's next step reads up to: the current one, clamped so that the step
     * covers about {@code rows} ledger rows above {@code prev}. Without the clamp a backlog is one
     * step whose every page scans and sorts the whole backlog, so an applier that fell behind
     * only falls further behind.
     *
     * <p>The clamp keeps the current snapshot's view below a bound {@code X} (the transaction id
     * of the row {@code rows} places above {@code prev}'s xmax) and sees nothing from {@code X}
     * on: {@code xmin' = min(xmin, X)}, {@code xmax' = X}, {@code xip' = xip below X}. A
     * transaction below {@code X} is visible in it exactly when it is in the current snapshot;
     * so it contains {@code prev} (whose xmax is at most {@code X}), and every later snapshot
     * contains it: steps stay exact, nothing is skipped or seen twice. When the rows up to the
     * bound all belong to one transaction the clamp would make no progress, and the current
     * snapshot is used as it is.
     */
    public Mono<String> nextSnapshot(String prev, int rows) {
        return nextStep(prev, rows).map(NextStep::snapshot);
    }

    /**
     * The next step: its snapshot ({@link #nextSnapshot}); {@code backlog}, about how many ledger
     * rows lie past {@code prev} (from the seq of the first row a transaction after it inserted to
     * the last seq: the identity also counts ids of rows not inserted, so an estimate); and
     * {@code ledgerRows}, about how many rows the ledger holds (the last seq).
     */
    public record NextStep(String snapshot, long backlog, long ledgerRows) {
    }

    public Mono<NextStep> nextStep(String prev, int rows) {
        // Two index walks of at most rows + 1 entries each (not a common table expression, which
        // PostgreSQL would materialize: the whole backlog at every step), and two single-entry
        // probes for the estimates. The order is by the column, qualified: a bare "xid" would name
        // the text output and sort the whole range as text.
        return db.sql(NEXT_STEP)
                .bind(0, prev)
                .bind(1, rows)
                .map(row -> {
                    Long firstSeq = row.get("first_seq", Long.class);
                    Long lastSeq = row.get("last_seq", Long.class);
                    long ledgerRows = lastSeq == null ? 0 : lastSeq;
                    long backlog = firstSeq == null ? 0 : Math.max(0, ledgerRows - firstSeq + 1);
                    return new NextStep(clamp(row.get("cur", String.class), row.get("bound", String.class),
                            row.get("first", String.class)), backlog, ledgerRows);
                })
                .one();
    }

    /** {@code cur} ("xmin:xmax:xip,…") seeing nothing from {@code bound} on; {@code cur} itself when there is no useful bound. */
    static String clamp(String cur, String bound, String first) {
        if (bound == null || bound.equals(first)) {
            return cur;
        }
        String[] parts = cur.split(":", -1);
        long xmin = Long.parseUnsignedLong(parts[0]);
        long x = Long.parseUnsignedLong(bound);
        StringBuilder snapshot = new StringBuilder()
                .append(Long.toUnsignedString(Long.compareUnsigned(xmin, x) < 0 ? xmin : x)).append(':').append(bound)
                .append(':');
        String separator = "";
        if (parts.length > 2 && !parts[2].isEmpty()) {
            for (String xip : parts[2].split(",")) {
                if (Long.compareUnsigned(Long.parseUnsignedLong(xip), x) < 0) {
                    snapshot.append(separator).append(xip);
                    separator = ",";
                }
            }
        }
        return snapshot.toString();
    }

    /** The snapshot of the current transaction (the statement's, under read committed). */
    public Mono<String> currentSnapshot() {
        return db.sql("select pg_current_snapshot()::text as s").map(row -> row.get("s", String.class)).one();
    }

    /**
     * Up to {@code limit} events visible in {@code cur} and not in {@code prev}, after
     * {@code cursorSeq}, in seq order. Rows not visible in {@code prev} were inserted by a
     * transaction it saw running or that started after it; rows visible in {@code cur} by one
     * that started before its xmax. The index on xid finds them between the two bounds, so a
     * page costs the rows of its snapshot range, not every row written since {@code prev} up to
     * now. Each page of one snapshot range still scans and sorts the whole range, so a range far
     * larger than a page (the applier behind) costs range x pages. {@code seq + 0} keeps the planner
     * off the primary key, in the filter and in the order: it would intersect that range with a
     * scan of the primary key past the cursor, which is the whole ledger when the cursor is 0, or,
     * for a small limit, walk the primary key in order from the cursor and filter every row
     * (measured: 754 ms for {@code limit 1} on a 600,000-row ledger instead of 0.2 ms, and 79 % of
     * PostgreSQL's time under single-event ingest).
     */
    public Mono<List<TailEvent>> page(String prev, String cur, long cursorSeq, int limit) {
        return db.sql(PAGE)
                .bind(0, prev)
                .bind(1, cur)
                .bind(2, cursorSeq)
                .bind(3, limit)
                .map(LedgerTail::event)
                .all()
                .collectList();
    }

    public Mono<Void> saveProgress(Progress progress) {
        return db.sql("""
                update live_apply_progress set prev_snapshot = $1::pg_snapshot, cur_snapshot = $2::pg_snapshot,
                    cursor_seq = $3, batch_id = $4, updated_at = now()
                where id = 1
                """)
                .bind(0, progress.prev())
                .bind(1, Parameter.fromOrEmpty(progress.cur(), String.class))
                .bind(2, progress.cursorSeq())
                .bind(3, progress.batchId())
                .then();
    }

    /**
     * Sets this transaction up for a rebuild or a catch-up by aggregates: no statement timeout (a
     * pass over a ledger of tens of millions of rows, or the wait for the progress row behind one,
     * takes longer than any timeout meant for a request), sequential scans allowed (an applier
     * step turns them off, and the pass reads the whole ledger), plans made for the actual
     * snapshot. Must run inside the transaction, before the statements it is meant for.
     */
    public Mono<Void> rebuildSettings() {
        return db.sql("select set_config('statement_timeout', '0', true), set_config('enable_seqscan', 'on', true), "
                        + "set_config('plan_cache_mode', 'force_custom_plan', true)")
                .then();
    }

    /**
     * The net figures of one group of ledger rows visible in a snapshot: one campaign, one
     * fundraiser (null: the campaign's events without one) and, for donations and refunds of a
     * fundraiser recorded since the trend window's start, the minute of recording (null for every
     * other row), and the referrer of its donations and refunds (null: none). Summing a campaign's
     * groups gives its totals, a fundraiser's its raised and shares, a referrer's the money it
     * brought, and the groups with a minute are the trend buckets.
     */
    public record LedgerGroup(String campaignId, String fundraiserId, Long minute, long raisedMinor,
            long donationCount, long refundedMinor, long shareCount, Instant updatedAt, long events,
            String referrerId) {
    }

    /**
     * Every figure of every campaign in one pass over the ledger (a sequential scan and a hash
     * aggregate), instead of a pass per campaign and figure: the ledger has no index by campaign,
     * and one pass costs about the same as one of those.
     */
    public Flux<LedgerGroup> ledgerGroups(String snapshot, Instant trendSince) {
        return db.sql("""
                select campaign_id, fundraiser_id,
                       case when fundraiser_id is not null and type <> 'share' and recorded_at >= $2
                            then floor(extract(epoch from recorded_at) / 60)::bigint end as minute,
                       case when type <> 'share' then referrer_id end as referrer,
                       coalesce(sum(case type when 'donation' then amount_minor when 'refund' then -amount_minor end), 0) as raised,
                       count(*) filter (where type = 'donation') as donations,
                       coalesce(sum(amount_minor) filter (where type = 'refund'), 0) as refunded,
                       count(*) filter (where type = 'share') as shares,
                       (extract(epoch from max(recorded_at)) * 1000000)::bigint as updated_micros,
                       count(*) as events
                from ledger_events
                where pg_visible_in_snapshot(xid, $1::pg_snapshot)
                group by 1, 2, 3, 4
                """)
                .bind(0, snapshot)
                .bind(1, trendSince.atOffset(ZoneOffset.UTC))
                .map(row -> new LedgerGroup(row.get("campaign_id", String.class),
                        row.get("fundraiser_id", String.class), row.get("minute", Long.class),
                        row.get("raised", Long.class), row.get("donations", Long.class),
                        row.get("refunded", Long.class), row.get("shares", Long.class),
                        micros(row, "updated_micros"), row.get("events", Long.class),
                        row.get("referrer", String.class)))
                .all();
    }

    /** What each match of each campaign has matched, from the allocations visible in {@code snapshot}. */
    public record MatchedSum(String campaignId, String matchId, long matchedMinor) {
    }

    public Flux<MatchedSum> matchedSums(String snapshot) {
        return db.sql("""
                select campaign_id, match_id, sum(amount_minor) as matched from match_allocations
                where pg_visible_in_snapshot(xid, $1::pg_snapshot)
                group by 1, 2
                """)
                .bind(0, snapshot)
                .map(row -> new MatchedSum(row.get("campaign_id", String.class), row.get("match_id", String.class),
                        row.get("matched", Long.class)))
                .all();
    }

    /**
     * The last {@code limit} donations of every campaign visible in {@code snapshot}, each
     * campaign's newest first: per campaign a backward walk of the donation index (V3), which
     * stops after {@code limit} rows however large the ledger.
     */
    public Flux<TailEvent> lastDonations(int limit, String snapshot) {
        return db.sql("""
                select d.* from campaigns c cross join lateral (
                    select %s from ledger_events e
                    where e.campaign_id = c.id and e.type = 'donation' and pg_visible_in_snapshot(e.xid, $2::pg_snapshot)
                    order by e.seq desc limit $1) d
                """.formatted(EVENT_COLUMNS))
                .bind(0, limit)
                .bind(1, snapshot)
                .map(LedgerTail::event)
                .all();
    }

    /** One donation of a campaign as the feed shows it (its message left out while hidden); empty when none. */
    public Mono<TailEvent> donation(String campaignId, String eventId) {
        return db.sql("select %s from ledger_events e where e.event_id = $1 and e.campaign_id = $2 and e.type = 'donation'"
                        .formatted(EVENT_COLUMNS))
                .bind(0, eventId)
                .bind(1, campaignId)
                .map(LedgerTail::event)
                .one();
    }

    /** A donation's message for the moderation queue, hidden or not. */
    public record Message(String eventId, String donorName, boolean anonymous, long amountMinor, String message,
            String fundraiserId, Instant occurredAt, boolean hidden) {
    }

    /** The campaign's newest donations that carry a message, newest first, with whether moderation hid it. */
    public Flux<Message> messages(String campaignId, int limit) {
        return db.sql("""
                select e.event_id, e.donor_name, e.anonymous, e.amount_minor, e.message, e.fundraiser_id,
                       (extract(epoch from e.occurred_at) * 1000000)::bigint as occurred_micros,
                       exists (select 1 from hidden_messages h where h.event_id = e.event_id) as hidden
                from ledger_events e
                where e.campaign_id = $1 and e.type = 'donation' and e.message is not null
                order by e.seq desc limit $2
                """)
                .bind(0, campaignId)
                .bind(1, limit)
                .map(row -> new Message(row.get("event_id", String.class), row.get("donor_name", String.class),
                        Boolean.TRUE.equals(row.get("anonymous", Boolean.class)), row.get("amount_minor", Long.class),
                        row.get("message", String.class), row.get("fundraiser_id", String.class),
                        micros(row, "occurred_micros"), Boolean.TRUE.equals(row.get("hidden", Boolean.class))))
                .all();
    }

    private static TailEvent event(Readable row) {
        return new TailEvent(row.get("seq", Long.class), row.get("type", String.class),
                row.get("event_id", String.class), row.get("campaign_id", String.class),
                row.get("fundraiser_id", String.class), row.get("amount_minor", Long.class),
                row.get("donor_name", String.class), Boolean.TRUE.equals(row.get("anonymous", Boolean.class)),
                row.get("message", String.class), micros(row, "occurred_micros"), micros(row, "recorded_micros"),
                row.get("referrer_id", String.class), matched(row.get("matched", String.class)));
    }

    /** "matchId amount matchId amount…" as a map; empty for null. */
    private static Map<String, Long> matched(String pairs) {
        if (pairs == null) {
            return Map.of();
        }
        String[] parts = pairs.split(" ");
        Map<String, Long> matched = new LinkedHashMap<>();
        for (int i = 0; i + 1 < parts.length; i += 2) {
            matched.merge(parts[i], Long.parseLong(parts[i + 1]), Long::sum);
        }
        return matched;
    }

    private static Instant micros(Readable row, String column) {
        Long value = row.get(column, Long.class);
        return value == null ? null : Instant.EPOCH.plus(value, ChronoUnit.MICROS);
    }

}

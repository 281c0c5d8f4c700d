package org.leaderboard.ledger;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.leaderboard.campaign.CampaignStore;
import org.leaderboard.system.ApiProblem;
import org.springframework.http.HttpStatus;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Owns the ledger's SQL. {@link #write} commits a group of events with a handful of set-based
 * statements (group commit): one INSERT for its donations and shares, a transaction when it holds
 * refunds, so the cost of a commit is shared by every event of the group. The unique event id makes each event count once, whatever the retries;
 * refunds lock their donation's balance row so concurrent refunds can never exceed it.
 */
@Component
public class LedgerStore {

    /** The gifts' INSERT; {@code %s} is a filter on the rows (empty, or {@link #INSERT_GIFTS_UNLESS_MATCHED}'s). */
    private static final String GIFT_ROWS = """
            insert into ledger_events (event_id, type, campaign_id, fundraiser_id, amount_minor, currency,
                    donor_name, anonymous, message, referrer_id, channel, visitor_id, occurred_at, payload_hash)
            select e, t, c, f, a, cur, dn, an, m, r, ch, v, coalesce(o::timestamptz, now()), decode(h, 'hex')
            from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[],
                    $8::boolean[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
                    as u(e, t, c, f, a, cur, dn, an, m, r, ch, v, o, h)
            %s
            order by e
            on conflict (event_id) do nothing
            returning event_id, (extract(epoch from occurred_at) * 1000000)::bigint as occurred_micros
            """;

    private static final String INSERT_GIFTS = GIFT_ROWS.formatted("");

    /**
     * {@link #INSERT_GIFTS} unless a campaign of $15 has matching gifts: then it inserts nothing
     * and answers one row with {@code matching} true (and the group goes to a transaction that
     * allocates them). One statement, so the common group costs one round trip, not two.
     */
    private static final String INSERT_GIFTS_UNLESS_MATCHED = """
            with found as materialized (
                select exists (select 1 from matches where campaign_id = any($15::text[])) as matching),
            ins as (%s)
            select event_id, occurred_micros, false as matching from ins
            union all
            select null, null, true from found where matching
            """.formatted(GIFT_ROWS.formatted("where not (select matching from found)"));

    private static final String INSERT_REFUNDS = """
            insert into ledger_events (event_id, type, campaign_id, fundraiser_id, amount_minor, currency,
                    donation_event_id, referrer_id, occurred_at, payload_hash)
            select e, 'refund', c, f, a, cur, d, r, coalesce(o::timestamptz, now()), decode(h, 'hex')
            from unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[],
                    $8::text[], $9::text[]) as u(e, c, f, a, cur, d, r, o, h)
            order by e
            on conflict (event_id) do nothing
            returning event_id, donation_event_id, amount_minor
            """;

    private final DatabaseClient db;
    /** Campaigns and fundraisers are the campaign package's tables: looked up through its store. */
    private final CampaignStore campaigns;
    private final TransactionalOperator tx;
    private final KnownReferences known = new KnownReferences();
    /** A best-effort nudge after each commit, so followers of the ledger need not wait for their next poll. */
    private final Sinks.Many<Integer> commits = Sinks.many().multicast().directBestEffort();

    LedgerStore(DatabaseClient db, CampaignStore campaigns, ReactiveTransactionManager transactionManager) {
        this.db = db;
        this.campaigns = campaigns;
        this.tx = TransactionalOperator.create(transactionManager);
    }

    /**
     * Writes the events atomically and answers one outcome per event, in input order.
     * Completes only after the commit. An error means the outcome is unknown to the caller:
     * usually nothing was committed, but a commit whose acknowledgement was lost did happen.
     */
    public Mono<List<WriteOutcome>> write(List<LedgerEvent> events) {
        // Refunds need a transaction: they lock their donation, read what remains refundable and
        // insert, atomically. So do donations to a campaign with matching gifts, whose allocations
        // (allocateMatches) commit with them. Other donations and shares are written by a single
        // INSERT, atomic by itself and committed when it completes (the driver completes a
        // statement's rows on ReadyForQuery, after the implicit commit), which checks in the same
        // statement that none of their campaigns has matching gifts; the reads around it only
        // see committed rows that never change (referents are never deleted, ledger rows never
        // updated). BEGIN and COMMIT would add two round trips and two statements to every group,
        // and a separate check one (single events lost 15 % to it). A match set up while such a
        // group is in flight misses its donations, as if they had been recorded just before it:
        // matches are never retroactive.
        boolean refunds = events.stream().anyMatch(event -> event.type() == EventType.REFUND);
        Mono<List<WriteOutcome>> written;
        if (refunds) {
            written = matching(events).flatMap(withMatches -> new GroupWrite(events, withMatches, false).run()
                    .as(tx::transactional));
        }
        else {
            // Donations and shares: one INSERT that also checks for matching gifts, and writes
            // nothing when it finds one; the group is then written again in a transaction.
            written = Mono.defer(() -> new GroupWrite(events, false, true).run())
                    .onErrorResume(MatchesFound.class, found -> Mono.defer(() -> new GroupWrite(events, true, false)
                            .run()).as(tx::transactional));
        }
        return written.doOnSuccess(outcomes -> commits.tryEmitNext(events.size()));
    }

    /** Whether a campaign the group gives money to has matching gifts. */
    private Mono<Boolean> matching(List<LedgerEvent> events) {
        List<String> moneyCampaigns = moneyCampaigns(events);
        return moneyCampaigns.isEmpty() ? Mono.just(false)
                : db.sql("select exists (select 1 from matches where campaign_id = any($1)) as matching")
                        .bind(0, moneyCampaigns.toArray(String[]::new))
                        .map(row -> Boolean.TRUE.equals(row.get("matching", Boolean.class)))
                        .one();
    }

    private static List<String> moneyCampaigns(List<LedgerEvent> events) {
        return events.stream().filter(event -> event.type() != EventType.SHARE)
                .map(LedgerEvent::campaignId).distinct().toList();
    }

    /** The guarded insert found matching gifts and wrote nothing: the group needs the transaction. */
    private static final class MatchesFound extends RuntimeException {

        MatchesFound() {
            super("a campaign of the group has matching gifts", null, false, false);
        }
    }

    /**
     * Signals after commits (conflated, best effort: a signal may be dropped under contention,
     * so a follower must also poll). The value is the size of the committed group.
     */
    public Flux<Integer> commits() {
        return commits.asFlux();
    }

    /** What remains refundable of one donation, as seen under its row lock. */
    private record Balance(String donationId, String campaignId, String fundraiserId, String referrerId, long amount,
            long remaining) {

        Balance minus(long refunded) {
            return new Balance(donationId, campaignId, fundraiserId, referrerId, amount, remaining - refunded);
        }
    }

    /** A refund of the group about to be inserted, with its donation's amount and what is refunded of it after it. */
    private record RefundShare(long donationAmount, long refundedAfter) {
    }

    /** The state of one group commit; lives for one transaction. */
    private final class GroupWrite {

        private final List<LedgerEvent> events;
        /** The first event of each id in the group; later ones with the same id are settled against it. */
        private final Map<String, LedgerEvent> firsts = new LinkedHashMap<>();
        private final Map<String, WriteOutcome> outcomes = new HashMap<>();
        /** Ids whose insert found a row already there: duplicate or conflict, decided by hash. */
        private final Set<String> existing = new HashSet<>();
        private final Map<String, String> storedHashes = new HashMap<>();
        /** The currency of each campaign of the group that exists, and the fundraisers that exist. */
        private final Map<String, String> currencies = new HashMap<>();
        private final Set<String> fundraisers = new HashSet<>();
        /** Donations the group inserted, in insertion order, with the time they occurred (for matching gifts). */
        private final Map<String, Instant> insertedDonations = new LinkedHashMap<>();
        /** Refunds the group inserted, in insertion order. */
        private final Map<String, LedgerEvent> insertedRefunds = new LinkedHashMap<>();
        private final Map<String, RefundShare> refundShares = new HashMap<>();

        /** Whether a campaign of the group has matching gifts, so that allocateMatches has work. */
        private final boolean withMatches;
        /** Whether the gifts' INSERT checks for matching gifts itself (and fails with MatchesFound). */
        private final boolean guarded;

        GroupWrite(List<LedgerEvent> events, boolean withMatches, boolean guarded) {
            this.events = events;
            this.withMatches = withMatches;
            this.guarded = guarded;
            for (LedgerEvent event : events) {
                firsts.putIfAbsent(event.eventId(), event);
            }
        }

        Mono<List<WriteOutcome>> run() {
            return loadCurrencies()
                    .then(Mono.defer(this::loadFundraisers))
                    .then(Mono.defer(() -> {
                        List<LedgerEvent> gifts = new ArrayList<>();
                        List<LedgerEvent> refunds = new ArrayList<>();
                        for (LedgerEvent event : firsts.values()) {
                            ApiProblem problem = referenceProblem(event);
                            if (problem != null) {
                                outcomes.put(event.eventId(), WriteOutcome.rejected(event.eventId(), problem));
                            }
                            else if (event.type() == EventType.REFUND) {
                                refunds.add(event);
                            }
                            else {
                                gifts.add(event);
                            }
                        }
                        return insertGifts(gifts).then(Mono.defer(() -> writeRefunds(refunds)));
                    }))
                    .then(Mono.defer(this::allocateMatches))
                    .then(Mono.defer(this::settleExisting))
                    .then(Mono.fromSupplier(this::answers));
        }

        private Mono<Void> loadCurrencies() {
            List<String> unknown = new ArrayList<>();
            for (LedgerEvent event : firsts.values()) {
                String currency = known.currency(event.campaignId());
                if (currency != null) {
                    currencies.put(event.campaignId(), currency);
                }
                else if (!unknown.contains(event.campaignId())) {
                    unknown.add(event.campaignId());
                }
            }
            if (unknown.isEmpty()) {
                return Mono.empty();
            }
            return campaigns.findCampaigns(new ArrayList<>(unknown))
                    .doOnNext(found -> {
                        known.campaign(found.id(), found.currency());
                        currencies.put(found.id(), found.currency());
                    })
                    .then();
        }

        /** Collects the (campaign, fundraiser) pairs named by the group that exist into {@link #fundraisers}. */
        private Mono<Void> loadFundraisers() {
            Set<String> wanted = new HashSet<>();
            for (LedgerEvent event : firsts.values()) {
                if (event.fundraiserId() != null && event.type() != EventType.REFUND) {
                    wanted.add(pair(event.campaignId(), event.fundraiserId()));
                }
                if (event.referrerId() != null) {
                    wanted.add(pair(event.campaignId(), event.referrerId()));
                }
            }
            for (String pair : wanted) {
                if (known.hasFundraiser(pair)) {
                    fundraisers.add(pair);
                }
            }
            wanted.removeAll(fundraisers);
            if (wanted.isEmpty()) {
                return Mono.empty();
            }
            List<String> pairs = new ArrayList<>(wanted);
            return campaigns.findFundraisers(pairs.stream().map(p -> p.substring(0, p.indexOf('/'))).toList(),
                            pairs.stream().map(p -> p.substring(p.indexOf('/') + 1)).toList())
                    .map(found -> pair(found.campaignId(), found.id()))
                    .doOnNext(pair -> {
                        known.fundraiser(pair);
                        fundraisers.add(pair);
                    })
                    .then();
        }

        private ApiProblem referenceProblem(LedgerEvent event) {
            String currency = currencies.get(event.campaignId());
            if (currency == null) {
                return unprocessable("unknown-campaign", "Unknown campaign",
                        "Campaign '" + event.campaignId() + "' does not exist");
            }
            if (event.currency() != null && !event.currency().equals(currency)) {
                return unprocessable("currency-mismatch", "Currency mismatch", "Campaign '" + event.campaignId()
                        + "' is in " + currency + ", the event is in " + event.currency());
            }
            if (event.type() != EventType.REFUND && event.fundraiserId() != null
                    && !fundraisers.contains(pair(event.campaignId(), event.fundraiserId()))) {
                return unprocessable("unknown-fundraiser", "Unknown fundraiser", "Fundraiser '"
                        + event.fundraiserId() + "' does not exist in campaign '" + event.campaignId() + "'");
            }
            if (event.referrerId() != null
                    && !fundraisers.contains(pair(event.campaignId(), event.referrerId()))) {
                return unprocessable("unknown-fundraiser", "Unknown fundraiser", "Referrer '" + event.referrerId()
                        + "' is not a fundraiser of campaign '" + event.campaignId() + "'");
            }
            return null;
        }

        private Mono<Void> insertGifts(List<LedgerEvent> gifts) {
            if (gifts.isEmpty()) {
                return Mono.empty();
            }
            DatabaseClient.GenericExecuteSpec insert = db.sql(guarded ? INSERT_GIFTS_UNLESS_MATCHED : INSERT_GIFTS)
                    .bind(0, column(gifts, LedgerEvent::eventId))
                    .bind(1, column(gifts, e -> e.type().wire()))
                    .bind(2, column(gifts, LedgerEvent::campaignId))
                    .bind(3, column(gifts, LedgerEvent::fundraiserId))
                    .bind(4, gifts.stream().map(LedgerEvent::amountMinor).toArray(Long[]::new))
                    .bind(5, column(gifts, e -> e.type() == EventType.DONATION ? currencies.get(e.campaignId()) : null))
                    .bind(6, column(gifts, LedgerEvent::donorName))
                    .bind(7, gifts.stream().map(LedgerEvent::anonymous).toArray(Boolean[]::new))
                    .bind(8, column(gifts, LedgerEvent::message))
                    .bind(9, column(gifts, LedgerEvent::referrerId))
                    .bind(10, column(gifts, LedgerEvent::channel))
                    .bind(11, column(gifts, LedgerEvent::visitorId))
                    .bind(12, column(gifts, e -> e.occurredAt() == null ? null : e.occurredAt().toString()))
                    .bind(13, column(gifts, LedgerEvent::payloadHash));
            if (guarded) {
                insert = insert.bind(14, moneyCampaigns(gifts).toArray(String[]::new));
            }
            return insert
                    .map(row -> {
                        if (guarded && Boolean.TRUE.equals(row.get("matching", Boolean.class))) {
                            throw new MatchesFound();
                        }
                        return Map.entry(row.get("event_id", String.class),
                                Instant.EPOCH.plus(row.get("occurred_micros", Long.class), ChronoUnit.MICROS));
                    })
                    .all()
                    .collectMap(Map.Entry::getKey, Map.Entry::getValue)
                    .doOnNext(inserted -> {
                        settleInserts(gifts, inserted.keySet());
                        // In the order of insertion (by event id, as the statement inserts them).
                        gifts.stream().filter(e -> e.type() == EventType.DONATION && inserted.containsKey(e.eventId()))
                                .sorted(Comparator.comparing(LedgerEvent::eventId))
                                .forEach(e -> insertedDonations.put(e.eventId(), inserted.get(e.eventId())));
                    })
                    .then();
        }

        private Mono<Void> writeRefunds(List<LedgerEvent> refunds) {
            if (refunds.isEmpty()) {
                return Mono.empty();
            }
            String[] donationIds = refunds.stream().map(LedgerEvent::donationEventId).distinct().sorted()
                    .toArray(String[]::new);
            // Lock the donations first, then read what was refunded and which refund ids exist: a
            // concurrent writer of a refund of the same donation waits on the same row lock, so once
            // we hold it every refund it wrote is committed and visible to our next statements.
            return db.sql("""
                    select event_id, campaign_id, fundraiser_id, referrer_id, amount_minor from ledger_events
                    where event_id = any($1) and type = 'donation' order by event_id for update
                    """)
                    .bind(0, donationIds)
                    .map(row -> new Balance(row.get("event_id", String.class), row.get("campaign_id", String.class),
                            row.get("fundraiser_id", String.class), row.get("referrer_id", String.class),
                            row.get("amount_minor", Long.class), row.get("amount_minor", Long.class)))
                    .all()
                    .collectMap(Balance::donationId, b -> b, HashMap::new)
                    .flatMap(balances -> db.sql("""
                            select donation_event_id, sum(amount_minor) as refunded from ledger_events
                            where donation_event_id = any($1) group by donation_event_id
                            """)
                            .bind(0, donationIds)
                            .map(row -> Map.entry(row.get("donation_event_id", String.class),
                                    row.get("refunded", Long.class)))
                            .all()
                            .doOnNext(refunded -> balances.computeIfPresent(refunded.getKey(),
                                    (id, b) -> b.minus(refunded.getValue())))
                            .then(Mono.just(balances)))
                    .flatMap(balances -> loadStoredHashes(refunds.stream().map(LedgerEvent::eventId).toList())
                            .then(Mono.defer(() -> insertRefunds(refunds, balances))));
        }

        private Mono<Void> insertRefunds(List<LedgerEvent> refunds, Map<String, Balance> balances) {
            List<LedgerEvent> candidates = new ArrayList<>();
            Map<String, Balance> donationOf = new HashMap<>();
            for (LedgerEvent refund : refunds) {
                if (storedHashes.containsKey(refund.eventId())) {
                    existing.add(refund.eventId());
                    continue;
                }
                Balance balance = balances.get(refund.donationEventId());
                if (balance == null || !balance.campaignId().equals(refund.campaignId())) {
                    outcomes.put(refund.eventId(), WriteOutcome.rejected(refund.eventId(),
                            unprocessable("unknown-donation", "Unknown donation", "Donation '"
                                    + refund.donationEventId() + "' does not exist in campaign '"
                                    + refund.campaignId() + "'")));
                }
                else if (refund.amountMinor() > balance.remaining()) {
                    outcomes.put(refund.eventId(), WriteOutcome.rejected(refund.eventId(),
                            unprocessable("refund-exceeds-donation", "Refund exceeds donation", "Only "
                                    + balance.remaining() + " minor units of donation '" + refund.donationEventId()
                                    + "' remain refundable, the refund asks for " + refund.amountMinor())));
                }
                else {
                    Balance after = balance.minus(refund.amountMinor());
                    balances.put(refund.donationEventId(), after);
                    donationOf.put(refund.eventId(), balance);
                    refundShares.put(refund.eventId(), new RefundShare(balance.amount(), balance.amount() - after.remaining()));
                    candidates.add(refund);
                }
            }
            if (candidates.isEmpty()) {
                return Mono.empty();
            }
            return db.sql(INSERT_REFUNDS)
                    .bind(0, column(candidates, LedgerEvent::eventId))
                    .bind(1, column(candidates, LedgerEvent::campaignId))
                    .bind(2, column(candidates, e -> donationOf.get(e.eventId()).fundraiserId()))
                    .bind(3, candidates.stream().map(LedgerEvent::amountMinor).toArray(Long[]::new))
                    .bind(4, column(candidates, e -> currencies.get(e.campaignId())))
                    .bind(5, column(candidates, LedgerEvent::donationEventId))
                    .bind(6, column(candidates, e -> donationOf.get(e.eventId()).referrerId()))
                    .bind(7, column(candidates, e -> e.occurredAt() == null ? null : e.occurredAt().toString()))
                    .bind(8, column(candidates, LedgerEvent::payloadHash))
                    .map(row -> row.get("event_id", String.class))
                    .all()
                    .collect(Collectors.toSet())
                    .doOnNext(inserted -> {
                        settleInserts(candidates, inserted);
                        candidates.stream().filter(e -> inserted.contains(e.eventId()))
                                .sorted(Comparator.comparing(LedgerEvent::eventId))
                                .forEach(e -> insertedRefunds.put(e.eventId(), e));
                    })
                    .then();
        }

        /**
         * Matching gifts: the group's new donations and refunds against the matches of their
         * campaigns, locked (in one order, so concurrent groups never deadlock) until the commit,
         * so that caps hold whatever commits run side by side. Only refunds of a donation that
         * holds allocations release anything; a campaign without matches costs one indexed read.
         */
        private Mono<Void> allocateMatches() {
            if (!withMatches || (insertedDonations.isEmpty() && insertedRefunds.isEmpty())) {
                return Mono.empty();
            }
            Set<String> campaignIds = new TreeSet<>();
            insertedDonations.keySet().forEach(id -> campaignIds.add(firsts.get(id).campaignId()));
            insertedRefunds.values().forEach(r -> campaignIds.add(r.campaignId()));
            return db.sql("""
                    select campaign_id, id, ratio_percent, cap_minor, matched_minor,
                           (extract(epoch from starts_at) * 1000000)::bigint as starts_micros,
                           (extract(epoch from ends_at) * 1000000)::bigint as ends_micros
                    from matches where campaign_id = any($1) order by campaign_id, id for update
                    """)
                    .bind(0, campaignIds.toArray(String[]::new))
                    .map(row -> new MatchAllocation.Match(row.get("campaign_id", String.class),
                            row.get("id", String.class), row.get("ratio_percent", Integer.class),
                            row.get("cap_minor", Long.class),
                            Instant.EPOCH.plus(row.get("starts_micros", Long.class), ChronoUnit.MICROS),
                            Instant.EPOCH.plus(row.get("ends_micros", Long.class), ChronoUnit.MICROS),
                            row.get("matched_minor", Long.class)))
                    .all()
                    .collectList()
                    .flatMap(matches -> matches.isEmpty() ? Mono.empty() : allocate(new MatchAllocation(matches)));
        }

        private Mono<Void> allocate(MatchAllocation allocation) {
            String[] refunded = insertedRefunds.values().stream().map(LedgerEvent::donationEventId).distinct()
                    .toArray(String[]::new);
            Mono<Void> known = refunded.length == 0 ? Mono.empty() : db.sql("""
                    select donation_event_id, event_id, match_id, amount_minor from match_allocations
                    where donation_event_id = any($1)
                    """)
                    .bind(0, refunded)
                    .map(row -> new MatchAllocation.Row(row.get("event_id", String.class),
                            row.get("match_id", String.class), null, row.get("donation_event_id", String.class),
                            row.get("amount_minor", Long.class)))
                    .all()
                    .doOnNext(row -> allocation.known(row.donationEventId(), row.eventId(), row.matchId(),
                            row.amountMinor()))
                    .then();
            return known.then(Mono.defer(() -> {
                insertedDonations.forEach((id, occurredAt) -> {
                    LedgerEvent d = firsts.get(id);
                    allocation.donation(id, d.campaignId(), d.amountMinor(), occurredAt);
                });
                insertedRefunds.values().forEach(r -> {
                    RefundShare share = refundShares.get(r.eventId());
                    allocation.refund(r.eventId(), r.campaignId(), r.donationEventId(), share.donationAmount(),
                            share.refundedAfter());
                });
                List<MatchAllocation.Row> rows = allocation.rows();
                if (rows.isEmpty()) {
                    return Mono.<Void>empty();
                }
                List<MatchAllocation.Match> changed = allocation.changed();
                return db.sql("""
                        insert into match_allocations (event_id, match_id, campaign_id, donation_event_id, amount_minor)
                        select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
                        """)
                        .bind(0, rows.stream().map(MatchAllocation.Row::eventId).toArray(String[]::new))
                        .bind(1, rows.stream().map(MatchAllocation.Row::matchId).toArray(String[]::new))
                        .bind(2, rows.stream().map(MatchAllocation.Row::campaignId).toArray(String[]::new))
                        .bind(3, rows.stream().map(MatchAllocation.Row::donationEventId).toArray(String[]::new))
                        .bind(4, rows.stream().map(MatchAllocation.Row::amountMinor).toArray(Long[]::new))
                        .then()
                        .then(db.sql("""
                                update matches m set matched_minor = u.matched, updated_at = now()
                                from unnest($1::text[], $2::text[], $3::bigint[]) as u(c, id, matched)
                                where m.campaign_id = u.c and m.id = u.id
                                """)
                                .bind(0, changed.stream().map(m -> m.campaignId).toArray(String[]::new))
                                .bind(1, changed.stream().map(m -> m.id).toArray(String[]::new))
                                .bind(2, changed.stream().map(m -> m.matchedMinor).toArray(Long[]::new))
                                .then());
            }));
        }

        private void settleInserts(List<LedgerEvent> written, Set<String> inserted) {
            for (LedgerEvent event : written) {
                if (inserted.contains(event.eventId())) {
                    outcomes.put(event.eventId(), WriteOutcome.accepted(event.eventId()));
                }
                else {
                    existing.add(event.eventId());
                }
            }
        }

        private Mono<Void> loadStoredHashes(List<String> ids) {
            if (ids.isEmpty()) {
                return Mono.empty();
            }
            return db.sql("select event_id, encode(payload_hash, 'hex') as hash from ledger_events where event_id = any($1)")
                    .bind(0, ids.toArray(String[]::new))
                    .map(row -> Map.entry(row.get("event_id", String.class), row.get("hash", String.class)))
                    .all()
                    .doOnNext(entry -> storedHashes.put(entry.getKey(), entry.getValue()))
                    .then();
        }

        private Mono<Void> settleExisting() {
            List<String> missing = existing.stream().filter(id -> !storedHashes.containsKey(id)).toList();
            return loadStoredHashes(missing).then(Mono.fromRunnable(() -> {
                for (String id : existing) {
                    String stored = storedHashes.get(id);
                    if (stored == null) {
                        throw new IllegalStateException("Insert of " + id + " conflicted but no row was found");
                    }
                    outcomes.put(id, settleAgainst(id, firsts.get(id).payloadHash(), stored));
                }
            }));
        }

        private List<WriteOutcome> answers() {
            List<WriteOutcome> answers = new ArrayList<>(events.size());
            Set<String> answered = new HashSet<>();
            for (LedgerEvent event : events) {
                WriteOutcome first = outcomes.get(event.eventId());
                answers.add(answered.add(event.eventId()) ? first : settleRepeat(event, first));
            }
            return answers;
        }

        /** A later event of the group with an id an earlier one already had. */
        private WriteOutcome settleRepeat(LedgerEvent repeat, WriteOutcome first) {
            String id = repeat.eventId();
            if (storedHashes.containsKey(id)) {
                return settleAgainst(id, repeat.payloadHash(), storedHashes.get(id));
            }
            boolean same = repeat.payloadHash().equals(firsts.get(id).payloadHash());
            if (first.status() == WriteOutcome.Status.ACCEPTED) {
                return same ? WriteOutcome.duplicate(id) : conflict(id);
            }
            return same ? first : conflict(id);
        }

        private WriteOutcome settleAgainst(String id, String hash, String stored) {
            return hash.equals(stored) ? WriteOutcome.duplicate(id) : conflict(id);
        }
    }

    private static WriteOutcome conflict(String eventId) {
        return WriteOutcome.rejected(eventId, ApiProblem.of(HttpStatus.CONFLICT, "event-id-conflict",
                "Event id already used", "Event '" + eventId + "' was already recorded with a different payload"));
    }

    private static ApiProblem unprocessable(String type, String title, String detail) {
        return ApiProblem.of(HttpStatus.UNPROCESSABLE_CONTENT, type, title, detail);
    }

    private static String pair(String campaignId, String fundraiserId) {
        return campaignId + "/" + fundraiserId;
    }

    private static String[] column(List<LedgerEvent> events, Function<LedgerEvent, String> field) {
        String[] values = new String[events.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = field.apply(events.get(i));
        }
        return values;
    }
}

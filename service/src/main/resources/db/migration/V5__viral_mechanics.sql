-- Viral mechanics (issue 17): what organizers set up, and what the ledger decides about it.

-- Milestones: announced once when their metric first reaches the threshold. reached_at is
-- written once (update ... where reached_at is null), so however many instances look, one wins,
-- and a refund dipping below never un-reaches it.
create table milestones (
    campaign_id  text        not null references campaigns (id),
    id           text        not null,
    metric       text        not null check (metric in ('raisedMinor', 'grandTotalMinor', 'shareCount')),
    threshold    bigint      not null check (threshold > 0),
    label        text        not null,
    reached_at   timestamptz,
    created_at   timestamptz not null default now(),
    updated_at   timestamptz not null default now(),
    primary key (campaign_id, id)
);

-- Sponsor pledges: money per counted share of the campaign up to a cap, and an optional bonus
-- once a number of shares is reached. What they earned is a function of the share count alone.
create table pledges (
    campaign_id       text        not null references campaigns (id),
    id                text        not null,
    sponsor           text        not null,
    per_share_minor   bigint      not null check (per_share_minor > 0),
    cap_minor         bigint      not null check (cap_minor > 0),
    bonus_at_shares   bigint      check (bonus_at_shares > 0),
    bonus_minor       bigint      check (bonus_minor > 0),
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now(),
    primary key (campaign_id, id),
    check ((bonus_at_shares is null) = (bonus_minor is null))
);

-- Matching gifts: donations that occurred in [starts_at, ends_at) are matched at ratio_percent
-- (100 = one for one) until cap_minor. matched_minor is the running sum of match_allocations,
-- kept by the ledger's writer under the row's lock in the transaction that records the gifts.
create table matches (
    campaign_id    text        not null references campaigns (id),
    id             text        not null,
    sponsor        text        not null,
    ratio_percent  int         not null check (ratio_percent between 1 and 1000),
    cap_minor      bigint      not null check (cap_minor > 0),
    starts_at      timestamptz not null,
    ends_at        timestamptz not null,
    matched_minor  bigint      not null default 0 check (matched_minor >= 0),
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now(),
    primary key (campaign_id, id),
    check (ends_at > starts_at)
);

-- What each ledger event did to a match: a donation's allocation (positive) or the part a refund
-- released (negative). Written in the ledger event's own transaction, so the rows exist exactly
-- when the event does; xid lets a rebuild read them as of the same snapshot as the ledger.
create table match_allocations (
    event_id          text   not null,
    match_id          text   not null,
    campaign_id       text   not null,
    donation_event_id text   not null,
    amount_minor      bigint not null check (amount_minor <> 0),
    xid               xid8   not null default pg_current_xact_id(),
    primary key (event_id, match_id)
);
create index match_allocations_donation on match_allocations (donation_event_id);

-- Moderation: a donation's message hidden by an organizer. The gift stays counted; only the
-- message leaves the feeds. A row per hidden message; unhiding deletes it.
create table hidden_messages (
    campaign_id  text        not null,
    event_id     text        primary key,
    hidden_at    timestamptz not null default now()
);

-- The moderation queue: a campaign's newest donations that carry a message.
create index ledger_events_campaign_messages on ledger_events (campaign_id, seq)
    where type = 'donation' and message is not null;

-- A refund credits back the referrer of its donation: the writer copies it, as it copies the
-- fundraiser, so the live aggregates and a rebuild need no join. Refunds recorded before this
-- migration get it here.
update ledger_events r set referrer_id = d.referrer_id
from ledger_events d
where r.type = 'refund' and d.event_id = r.donation_event_id and d.referrer_id is not null;

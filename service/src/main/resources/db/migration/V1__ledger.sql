-- Campaigns, teams and fundraisers are set up by organizers; none is ever deleted,
-- so an event validated against them stays valid.
create table campaigns (
    id           text primary key,
    title        text        not null,
    story        text,
    currency     char(3)     not null,
    goal_minor   bigint      not null check (goal_minor > 0),
    ends_at      timestamptz,
    open_signup  boolean     not null default false,
    created_at   timestamptz not null default now(),
    updated_at   timestamptz not null default now()
);

create table teams (
    campaign_id  text        not null references campaigns (id),
    id           text        not null,
    name         text        not null,
    created_at   timestamptz not null default now(),
    updated_at   timestamptz not null default now(),
    primary key (campaign_id, id)
);

create table fundraisers (
    campaign_id  text        not null references campaigns (id),
    id           text        not null,
    display_name text        not null,
    team_id      text,
    goal_minor   bigint check (goal_minor > 0),
    story        text,
    created_at   timestamptz not null default now(),
    updated_at   timestamptz not null default now(),
    primary key (campaign_id, id),
    foreign key (campaign_id, team_id) references teams (campaign_id, id)
);

-- The ledger: append-only, one row per event id forever. seq orders rows by insertion
-- and is the watermark the Redis apply step follows. payload_hash is the SHA-256 of the
-- event's canonical form, so a replay can be told from a conflicting reuse of the id.
-- References to campaigns and fundraisers are checked by the writer before it inserts,
-- instead of by foreign keys: referents are never deleted (nor a campaign's currency
-- changed), so what the writer once found stays true, and per-row key locks on one hot
-- campaign row would serialize concurrent group commits. A refund locks its donation's row
-- (select ... for update) while it checks what remains refundable, so concurrent partial
-- refunds can never add up past the donation; ledger rows are never updated.
create table ledger_events (
    seq               bigint generated always as identity primary key,
    event_id          text        not null unique,
    type              text        not null check (type in ('donation', 'refund', 'share')),
    campaign_id       text        not null,
    fundraiser_id     text,
    amount_minor      bigint check (amount_minor > 0),
    currency          char(3),
    donation_event_id text,
    donor_name        text,
    anonymous         boolean     not null default false,
    message           text,
    referrer_id       text,
    channel           text,
    visitor_id        text,
    occurred_at       timestamptz not null,
    recorded_at       timestamptz not null default now(),
    payload_hash      bytea       not null,
    check ((type = 'share') = (amount_minor is null)),
    check ((type = 'refund') = (donation_event_id is not null))
);

-- Refunds find what was already refunded of their donation through this index; it holds
-- refund rows only, so donations and shares pay nothing for it.
create index ledger_events_refunds on ledger_events (donation_event_id) where donation_event_id is not null;

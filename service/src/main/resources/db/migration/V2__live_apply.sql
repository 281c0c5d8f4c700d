-- Live aggregates in Redis follow the ledger by PostgreSQL snapshots, not by seq: concurrent
-- group commits finish out of seq order, so "seq > last applied" could skip a row that
-- commits late. Each row records the transaction that inserted it; the applier reads the rows
-- visible in a new snapshot and not in the previous one, which is exact whatever the order.
alter table ledger_events add column xid xid8 not null default pg_current_xact_id();
create index ledger_events_xid on ledger_events (xid);

-- Where the applier stands: everything visible in prev_snapshot is in Redis; when cur_snapshot
-- is set, the rows between the two are being applied page by page after cursor_seq. batch_id
-- numbers each applied page, and Redis remembers the last one per campaign, so re-applying a
-- page after a crash or a timeout changes nothing. One row; its lock elects the one applier.
create table live_apply_progress (
    id            int         primary key check (id = 1),
    prev_snapshot pg_snapshot not null,
    cur_snapshot  pg_snapshot,
    cursor_seq    bigint      not null default 0,
    batch_id      bigint      not null default 0,
    updated_at    timestamptz not null default now()
);

insert into live_apply_progress (id, prev_snapshot) values (1, '1:1:');

-- Appends ledger rows :from .. :to (inclusive) straight by SQL, for ledger-bench.sh: valid rows the
-- service's writer could have committed, far faster than through the API. Row g belongs to campaign
-- <:cprefix><((g - 1) / 20) % :campaigns>: a refund of 1 of donation g - 1 when g % 20 = 0, else a
-- share when g % 7 = 0, else a donation of 1 + g % 5000 (every tenth without a fundraiser), to
-- fundraiser f<g % :fundraisers>. Ranges must be filled in order (a refund's donation is the row
-- before it). The same statement as the tests' support/LedgerFill.
-- psql -v from=1 -v to=100000 -v eprefix="'b-'" -v cprefix="'bench'" -v campaigns=5 -v fundraisers=100 -f fill-ledger.sql
insert into ledger_events (event_id, type, campaign_id, fundraiser_id, amount_minor, currency,
        donation_event_id, donor_name, anonymous, channel, visitor_id, occurred_at, payload_hash)
select :eprefix || g, x.t, :cprefix || (((g - 1) / 20) % :campaigns),
       case when x.t = 'donation' and g % 10 = 3 then null
            else 'f' || ((case when x.t = 'refund' then g - 1 else g end) % :fundraisers) end,
       case x.t when 'share' then null when 'refund' then 1 else 1 + g % 5000 end,
       case when x.t = 'share' then null else 'EUR' end,
       case when x.t = 'refund' then :eprefix || (g - 1) end,
       case when x.t = 'donation' then 'Donor ' || g end,
       x.t = 'donation' and g % 4 = 0,
       case when x.t = 'share' then 'email' end,
       case when x.t = 'share' then 'v' || g end,
       now(),
       sha256(convert_to(:eprefix || g, 'UTF8'))
from generate_series(:from::bigint, :to::bigint) g,
     lateral (select case when g % 20 = 0 then 'refund' when g % 20 = 19 then 'donation'
                          when g % 7 = 0 then 'share' else 'donation' end as t) x;

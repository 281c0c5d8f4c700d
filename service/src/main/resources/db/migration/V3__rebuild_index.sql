-- A rebuild takes each campaign's last donations for its feed: without an index by campaign
-- that is a backward walk of the whole ledger for a campaign whose donations are old or few,
-- once per campaign. Donations only: refunds and shares never reach the feed.
create index ledger_events_campaign_donations on ledger_events (campaign_id, seq) where type = 'donation';

-- What the pages need of a campaign: the charity's own payment page, where "Donate" sends donors
-- (an https link, checked by the service), and whether demo mode made it (pages show a badge).
alter table campaigns add column donate_url text check (donate_url like 'https://%' and length(donate_url) <= 2048);
alter table campaigns add column demo boolean not null default false;

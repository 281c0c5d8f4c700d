-- Self-service fundraiser pages (issue 17): the page's owner edits it with a manage token shown
-- once at creation; only its SHA-256 is kept, so a leaked database does not hand out pages.
-- Unique, so a token names at most one page (and its lookup is an index probe).
alter table fundraisers add column manage_token_hash bytea check (length(manage_token_hash) = 32);
create unique index fundraisers_manage_token on fundraisers (manage_token_hash) where manage_token_hash is not null;

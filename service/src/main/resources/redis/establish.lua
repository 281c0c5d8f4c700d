-- Gives a new campaign its live state: an empty generation 0, current. A campaign is created with
-- no events, so empty is exact for it; one that already has a state keeps it.
--
-- KEYS[1]  lb:{c}:gen
-- Returns  1 when established now, 0 when it already had a state
return redis.call('SET', KEYS[1], '0', 'NX') and 1 or 0

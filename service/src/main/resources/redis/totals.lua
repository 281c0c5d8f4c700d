-- Reads a campaign's totals from its current generation.
--
-- KEYS[1]  lb:{c}:gen
-- Returns  raisedMinor, donationCount, refundedMinor, shareCount, updatedAt (each nil when unset)
local prefix = string.sub(KEYS[1], 1, -4)
local gen = redis.call('GET', KEYS[1]) or '0'
return redis.call('HMGET', prefix .. gen .. ':totals',
        'raisedMinor', 'donationCount', 'refundedMinor', 'shareCount', 'updatedAt')

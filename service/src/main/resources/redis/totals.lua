-- Reads a campaign's totals.
--
-- KEYS, ARGV[1]  the generation (lib/generation.lua)
-- Returns        { 'ok', { raisedMinor, donationCount, refundedMinor, shareCount, updatedAt } (each nil
--                when unset), the viral hash as HGETALL returns it }, or a refusal
local k, refused = generation()
if not k then
    return refused
end
return { 'ok', redis.call('HMGET', k.totals, 'raisedMinor', 'donationCount', 'refundedMinor', 'shareCount',
        'updatedAt'), redis.call('HGETALL', k.viral) }

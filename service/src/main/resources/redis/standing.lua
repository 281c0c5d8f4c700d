-- Reads a fundraiser's place on the fundraisers board and who is just ahead of it: the group
-- with the lowest score above its own, and in that group the last one in id order (the largest id).
--
-- KEYS, ARGV[1]  the generation (lib/generation.lua)
-- ARGV[2]        fundraiserId
-- Returns        { 'ok' } when the fundraiser is not on the board, else { 'ok', raised, shares (nil = 0),
--                rank, aheadId, aheadScore, aheadName, referred (nil = 0) } (the ahead fields false for #1);
--                or a refusal
local k, refused = generation()
if not k then
    return refused
end
local id = ARGV[2]
local score = redis.call('ZSCORE', k.fundraisers, id)
if not score then
    return { 'ok' }
end
local shares = redis.call('ZSCORE', k.sharers, id)
local above = redis.call('ZCOUNT', k.fundraisers, '(' .. score, '+inf')
local reply = { 'ok', score, shares, above + 1, false, false, false, redis.call('ZSCORE', k.referrals, id) }
if above > 0 then
    local next = redis.call('ZRANGE', k.fundraisers, '(' .. score, '+inf', 'BYSCORE', 'LIMIT', 0, 1, 'WITHSCORES')
    local group = next[2]
    local ahead = redis.call('ZRANGE', k.fundraisers, group, group, 'BYSCORE', 'REV', 'LIMIT', 0, 1)[1]
    reply[5] = ahead
    reply[6] = group
    reply[7] = redis.call('HGET', k.names, 'f:' .. ahead)
end
return reply

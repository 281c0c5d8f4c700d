-- Reads a fundraiser's place on the fundraisers board and who is just ahead of it: the group
-- with the lowest score above its own, and in that group the last one in id order (the largest id).
--
-- KEYS[1]  lb:{c}:gen
-- ARGV     fundraiserId
-- Returns  {} when the fundraiser is not on the board, else
--          raised, shares (nil = 0), rank, aheadId, aheadScore, aheadName (the ahead fields nil for #1)
local prefix = string.sub(KEYS[1], 1, -4)
local gen = redis.call('GET', KEYS[1]) or '0'
local function key(name)
    return prefix .. gen .. ':' .. name
end

local fundraisers, id = key('fundraisers'), ARGV[1]
local score = redis.call('ZSCORE', fundraisers, id)
if not score then
    return {}
end
local shares = redis.call('ZSCORE', key('sharers'), id)
local above = redis.call('ZCOUNT', fundraisers, '(' .. score, '+inf')
local reply = { score, shares, above + 1, false, false, false }
if above > 0 then
    local next = redis.call('ZRANGE', fundraisers, '(' .. score, '+inf', 'BYSCORE', 'LIMIT', 0, 1, 'WITHSCORES')
    local group = next[2]
    local ahead = redis.call('ZRANGE', fundraisers, group, group, 'BYSCORE', 'REV', 'LIMIT', 0, 1)[1]
    reply[4] = ahead
    reply[5] = group
    reply[6] = redis.call('HGET', key('names'), 'f:' .. ahead)
end
return reply

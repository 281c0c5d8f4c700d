-- Reads everything a live stream shows of a campaign in one atomic call, so a frame never mixes
-- two states: the totals, the top of each board (lib/board-page.lua, prepended to this script)
-- and the newest feed entries.
--
-- KEYS[1]  lb:{c}:gen
-- ARGV     boardLimit, feedLimit, nowMinute
-- Returns  { totals (as totals.lua), fundraisers page, teams page, sharers page, trending page, feed }
local prefix = string.sub(KEYS[1], 1, -4)
local gen = redis.call('GET', KEYS[1]) or '0'
local limit, feedLimit, nowMinute = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local p = prefix .. gen .. ':'
return {
    redis.call('HMGET', p .. 'totals', 'raisedMinor', 'donationCount', 'refundedMinor', 'shareCount', 'updatedAt'),
    boardPage(prefix, gen, 'fundraisers', 0, limit, nowMinute),
    boardPage(prefix, gen, 'teams', 0, limit, nowMinute),
    boardPage(prefix, gen, 'sharers', 0, limit, nowMinute),
    boardPage(prefix, gen, 'trending', 0, limit, nowMinute),
    redis.call('LRANGE', p .. 'feed', 0, feedLimit - 1)
}

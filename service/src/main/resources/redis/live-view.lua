-- Reads everything a live stream shows of a campaign in one atomic call, so a frame never mixes
-- two states: the totals, the top of each board (lib/board-page.lua) and the newest feed entries.
--
-- KEYS, ARGV[1]  the generation (lib/generation.lua)
-- ARGV[2..]      boardLimit, feedLimit, nowMinute
-- Returns        { 'ok', totals (as totals.lua), fundraisers page, teams page, sharers page,
--                trending page, feed, referrals page, the viral hash (as HGETALL) }, or a refusal
local k, refused = generation()
if not k then
    return refused
end
local limit, feedLimit, nowMinute = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
return {
    'ok',
    redis.call('HMGET', k.totals, 'raisedMinor', 'donationCount', 'refundedMinor', 'shareCount', 'updatedAt'),
    boardPage(k, 'fundraisers', 0, limit, nowMinute),
    boardPage(k, 'teams', 0, limit, nowMinute),
    boardPage(k, 'sharers', 0, limit, nowMinute),
    boardPage(k, 'trending', 0, limit, nowMinute),
    redis.call('LRANGE', k.feed, 0, feedLimit - 1),
    boardPage(k, 'referrals', 0, limit, nowMinute),
    redis.call('HGETALL', k.viral)
}

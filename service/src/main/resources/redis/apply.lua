-- Applies one batch of ledger events to a campaign's current generation, atomically and at
-- most once: a batch whose id is not above the generation's `applied` mark changes nothing.
-- LeaderboardStore folds the batch into deltas first (sums commute; only the feed keeps order).
-- A campaign without live state is refused: applying onto nothing would show partial figures
-- as if they were whole, where a rebuild must come first.
--
-- KEYS, ARGV[1]  the generation (lib/generation.lua)
-- ARGV[2..]      batchId, nowMinute, raisedDelta, donationDelta, refundedDelta, shareDelta,
--                updatedAtMillis ('' = none),
--                n, n x (fundraiserId, raisedDelta),
--                n, n x (fundraiserId, shareDelta),
--                n, n x (referrerId, referredDelta),
--                n, n x (matchId, matchedDelta),
--                n, n x (minute, pairs, pairs x (fundraiserId, raisedDelta)),
--                n, n x feedJson (oldest first)
-- Returns        { 'ok', 1, due } when applied, { 'ok', 0 } when the batch had already been applied, or a
--                refusal; due is 1 when the campaign has a milestone not reached yet (for the milestone
--                watch to check), else 0
-- Publishes the batch id on lb:{c}:changed when applied, for the live streams of every instance.
local k, refused = generation()
if not k then
    return refused
end

local batch = ARGV[2]
local applied = redis.call('GET', k.applied)
if applied and atLeast(applied, batch) then
    return { 'ok', 0 }
end

local i = 3
local function take()
    local value = ARGV[i]
    i = i + 1
    return value
end

local windowEnd = advanceWindow(k, tonumber(take()))

local fields = { 'raisedMinor', 'donationCount', 'refundedMinor', 'shareCount' }
for _, field in ipairs(fields) do
    local delta = take()
    if delta ~= '0' then
        redis.call('HINCRBY', k.totals, field, delta)
    end
end
local updatedAt = take()
if updatedAt ~= '' then
    redis.call('HSET', k.totals, 'updatedAt', updatedAt)
end

for _ = 1, tonumber(take()) do
    local id, delta = take(), take()
    redis.call('ZINCRBY', k.fundraisers, delta, id)
    local team = redis.call('HGET', k.teamof, id)
    if team then
        redis.call('ZINCRBY', k.teams, delta, team)
    end
end

for _ = 1, tonumber(take()) do
    local id, delta = take(), take()
    redis.call('ZINCRBY', k.sharers, delta, id)
end

for _ = 1, tonumber(take()) do
    local id, delta = take(), take()
    redis.call('ZINCRBY', k.referrals, delta, id)
end

for _ = 1, tonumber(take()) do
    local id, delta = take(), take()
    redis.call('HINCRBY', k.viral, 'mm:' .. id, delta)
end

for _ = 1, tonumber(take()) do
    local minute = tonumber(take())
    for _ = 1, tonumber(take()) do
        local id, delta = take(), take()
        addToWindow(k, windowEnd, minute, id, delta)
    end
end

local entries = tonumber(take())
if entries > 0 then
    redis.call('LPUSH', k.feed, unpack(ARGV, i, i + entries - 1))
    redis.call('LTRIM', k.feed, 0, 99)
end

redis.call('SET', k.applied, batch)
redis.call('PUBLISH', k.changed, batch)

local due = 0
for _, field in ipairs(redis.call('HKEYS', k.viral)) do
    if string.sub(field, 1, 3) == 'ms:' and redis.call('HEXISTS', k.viral, 'r:' .. string.sub(field, 4)) == 0 then
        due = 1
        break
    end
end
return { 'ok', 1, due }

-- Applies one batch of ledger events to a campaign's current generation, atomically and at
-- most once: a batch whose id is not above the generation's `applied` mark changes nothing.
-- LeaderboardStore folds the batch into deltas first (sums commute; only the feed keeps order).
--
-- KEYS[1]  lb:{c}:gen
-- ARGV     batchId, raisedDelta, donationDelta, refundedDelta, shareDelta, updatedAtMillis ('' = none),
--          n, n x (fundraiserId, raisedDelta),
--          n, n x (fundraiserId, shareDelta),
--          n, n x (minute, expireAtSeconds, pairs, pairs x (fundraiserId, raisedDelta)),
--          n, n x feedJson (oldest first)
-- Returns  1 when applied, 0 when the batch had already been applied.
-- Publishes the batch id on lb:{c}:changed when applied, for the live streams of every instance.
local prefix = string.sub(KEYS[1], 1, -4)
local gen = redis.call('GET', KEYS[1]) or '0'
local function key(name)
    return prefix .. gen .. ':' .. name
end

-- Decimal strings of non-negative integers, compared exactly (Lua numbers are doubles).
local function atLeast(a, b)
    if #a ~= #b then
        return #a > #b
    end
    return a >= b
end

local batch = ARGV[1]
local applied = redis.call('GET', key('applied'))
if applied and atLeast(applied, batch) then
    return 0
end

local i = 2
local function take()
    local value = ARGV[i]
    i = i + 1
    return value
end

local totals = key('totals')
local fields = { 'raisedMinor', 'donationCount', 'refundedMinor', 'shareCount' }
for _, field in ipairs(fields) do
    local delta = take()
    if delta ~= '0' then
        redis.call('HINCRBY', totals, field, delta)
    end
end
local updatedAt = take()
if updatedAt ~= '' then
    redis.call('HSET', totals, 'updatedAt', updatedAt)
end

local fundraisers, teams, teamof = key('fundraisers'), key('teams'), key('teamof')
for _ = 1, tonumber(take()) do
    local id, delta = take(), take()
    redis.call('ZINCRBY', fundraisers, delta, id)
    local team = redis.call('HGET', teamof, id)
    if team then
        redis.call('ZINCRBY', teams, delta, team)
    end
end

local sharers = key('sharers')
for _ = 1, tonumber(take()) do
    local id, delta = take(), take()
    redis.call('ZINCRBY', sharers, delta, id)
end

local buckets = key('buckets')
local minutes = tonumber(take())
for _ = 1, minutes do
    local minute, expireAt = take(), take()
    local trend = key('trend:' .. minute)
    for _ = 1, tonumber(take()) do
        local id, delta = take(), take()
        redis.call('ZINCRBY', trend, delta, id)
    end
    redis.call('EXPIREAT', trend, expireAt)
    redis.call('ZADD', buckets, minute, minute)
end
if minutes > 0 then
    -- The index of trend buckets forgets those whose key has expired (61 minutes after the minute).
    local nowMinute = math.floor(tonumber(redis.call('TIME')[1]) / 60)
    redis.call('ZREMRANGEBYSCORE', buckets, '-inf', '(' .. (nowMinute - 61))
end

local entries = tonumber(take())
if entries > 0 then
    local feed = key('feed')
    redis.call('LPUSH', feed, unpack(ARGV, i, i + entries - 1))
    redis.call('LTRIM', feed, 0, 99)
end

redis.call('SET', key('applied'), batch)
redis.call('PUBLISH', prefix .. 'changed', batch)
return 1

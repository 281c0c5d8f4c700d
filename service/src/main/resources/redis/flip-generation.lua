-- Makes a fully written generation current and unlinks the one it replaces, in one step, so
-- readers see either the whole old state or the whole new one. A rebuild older than what the
-- current generation has applied, or one whose keys did not all survive, is discarded instead.
--
-- KEYS[1]  lb:{c}:gen
-- ARGV     newGeneration, batchId, n, n x name of a key the rebuild wrote
-- Returns  1 when flipped, 0 when the current generation has applied a later batch,
--          -1 when a written key is missing (expired before the flip)
-- Publishes on lb:{c}:changed when flipped, for the live streams of every instance.
local prefix = string.sub(KEYS[1], 1, -4)
local current = redis.call('GET', KEYS[1]) or '0'
local fresh, batch = ARGV[1], ARGV[2]
local names = { 'totals', 'fundraisers', 'teams', 'sharers', 'feed', 'names', 'teamof', 'buckets', 'applied' }

local function atLeast(a, b)
    if #a ~= #b then
        return #a > #b
    end
    return a >= b
end

local function unlink(gen)
    local p = prefix .. gen .. ':'
    for _, minute in ipairs(redis.call('ZRANGE', p .. 'buckets', 0, -1)) do
        redis.call('UNLINK', p .. 'trend:' .. minute)
    end
    for _, name in ipairs(names) do
        redis.call('UNLINK', p .. name)
    end
end

local applied = redis.call('GET', prefix .. current .. ':applied')
if applied and applied ~= batch and atLeast(applied, batch) then
    unlink(fresh)
    return 0
end
local p = prefix .. fresh .. ':'
for n = 1, tonumber(ARGV[3]) do
    if redis.call('EXISTS', p .. ARGV[3 + n]) == 0 then
        unlink(fresh)
        return -1
    end
end
for _, name in ipairs(names) do
    redis.call('PERSIST', p .. name)
end
redis.call('SET', KEYS[1], fresh)
if current ~= fresh then
    unlink(current)
end
redis.call('PUBLISH', prefix .. 'changed', 'rebuilt')
return 1

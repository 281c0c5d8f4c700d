-- Makes a fully written generation current and unlinks the one it replaces, in one step, so
-- readers see either the whole old state or the whole new one. A rebuild older than what the
-- current generation has applied, or one whose keys did not all survive, is discarded instead.
--
-- KEYS[1]       lb:{c}:gen
-- KEYS[2..13]   the keys of the generation the caller believes current (any, when none is)
-- KEYS[14..25]  the keys of the fresh generation, in the same order
-- ARGV          believed current generation ('' = none), fresh generation, batchId,
--               n, n x position (1..12) of a key the rebuild wrote, which must still exist
-- Returns       { 'ok', 1 } flipped, { 'ok', 0 } the current generation has applied a later batch,
--               { 'ok', -1 } a written key is missing (expired before the flip),
--               { 'stale', gen } another generation is current than the caller believed
-- Publishes on lb:{c}:changed when flipped, for the live streams of every instance.
local current = redis.call('GET', KEYS[1])
if (current or '') ~= ARGV[1] then
    return { 'stale', current or '' }
end
local fresh, batch = ARGV[2], ARGV[3]

local function unlink(from)
    for n = from, from + 11 do
        redis.call('UNLINK', KEYS[n])
    end
end

if current then
    local applied = redis.call('GET', KEYS[9])
    if applied and applied ~= batch and atLeast(applied, batch) then
        unlink(14)
        return { 'ok', 0 }
    end
end
for n = 1, tonumber(ARGV[4]) do
    if redis.call('EXISTS', KEYS[13 + tonumber(ARGV[4 + n])]) == 0 then
        unlink(14)
        return { 'ok', -1 }
    end
end
for n = 14, 25 do
    redis.call('PERSIST', KEYS[n])
end
redis.call('SET', KEYS[1], fresh)
if current and current ~= fresh then
    unlink(2)
end
redis.call('PUBLISH', string.sub(KEYS[1], 1, -4) .. 'changed', 'rebuilt')
return { 'ok', 1 }

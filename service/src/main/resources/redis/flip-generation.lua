-- Makes a fully written generation current and unlinks the one it replaces, in one step, so
-- readers see either the whole old state or the whole new one. A rebuild older than what the
-- current generation has applied, or one whose keys did not all survive, is discarded instead.
--
-- KEYS[1]          lb:{c}:gen
-- KEYS[2..n+1]     the n keys of the generation the caller believes current (any, when none is)
-- KEYS[n+2..2n+1]  the keys of the fresh generation, in the same order
-- ARGV             believed current generation ('' = none), fresh generation, batchId,
--                  m, m x position (1..n) of a key the rebuild wrote, which must still exist
-- Returns       { 'ok', 1 } flipped, { 'ok', 0 } the current generation has applied a later batch,
--               { 'ok', -1 } a written key is missing (expired before the flip),
--               { 'stale', gen } another generation is current than the caller believed
-- Publishes on lb:{c}:changed when flipped, for the live streams of every instance.
local current = redis.call('GET', KEYS[1])
if (current or '') ~= ARGV[1] then
    return { 'stale', current or '' }
end
local fresh, batch = ARGV[2], ARGV[3]
local n = (#KEYS - 1) / 2

local function unlink(from)
    for i = from, from + n - 1 do
        redis.call('UNLINK', KEYS[i])
    end
end

if current then
    local applied = redis.call('GET', KEYS[9])
    if applied and applied ~= batch and atLeast(applied, batch) then
        unlink(n + 2)
        return { 'ok', 0 }
    end
end
for i = 1, tonumber(ARGV[4]) do
    if redis.call('EXISTS', KEYS[n + 1 + tonumber(ARGV[4 + i])]) == 0 then
        unlink(n + 2)
        return { 'ok', -1 }
    end
end
for i = n + 2, 2 * n + 1 do
    redis.call('PERSIST', KEYS[i])
end
redis.call('SET', KEYS[1], fresh)
if current and current ~= fresh then
    unlink(2)
end
redis.call('PUBLISH', string.sub(KEYS[1], 1, -4) .. 'changed', 'rebuilt')
return { 'ok', 1 }

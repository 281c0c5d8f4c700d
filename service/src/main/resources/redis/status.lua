-- Tells which generation is current and which batch it has applied.
--
-- KEYS[1]  lb:{c}:gen
-- Returns  generation, applied batch id (nil when nothing was applied or rebuilt)
local prefix = string.sub(KEYS[1], 1, -4)
local gen = redis.call('GET', KEYS[1]) or '0'
return { gen, redis.call('GET', prefix .. gen .. ':applied') }

-- Allocates a generation number no rebuild has used, above the current one, for a rebuild to
-- write its fresh keys under.
--
-- KEYS[1]  lb:{c}:gen
-- KEYS[2]  lb:{c}:lastgen
-- Returns  the new generation number
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local next = redis.call('INCR', KEYS[2])
if next <= current then
    next = current + 1
    redis.call('SET', KEYS[2], next)
end
return next

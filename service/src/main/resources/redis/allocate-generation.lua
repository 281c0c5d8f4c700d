-- Allocates a generation number no rebuild has used, above the current one, for a rebuild to
-- write its fresh keys under.
--
-- KEYS[1]  lb:{c}:gen
-- Returns  the new generation number
local prefix = string.sub(KEYS[1], 1, -4)
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local last = prefix .. 'lastgen'
local next = redis.call('INCR', last)
if next <= current then
    next = current + 1
    redis.call('SET', last, next)
end
return next

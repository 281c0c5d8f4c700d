-- Reads the newest entries of a campaign's feed, newest first.
--
-- KEYS[1]  lb:{c}:gen
-- ARGV     limit
local prefix = string.sub(KEYS[1], 1, -4)
local gen = redis.call('GET', KEYS[1]) or '0'
return redis.call('LRANGE', prefix .. gen .. ':feed', 0, tonumber(ARGV[1]) - 1)

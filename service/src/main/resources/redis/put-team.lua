-- Records a team's name; a new team shows on the teams board with 0. Idempotent.
--
-- KEYS[1]  lb:{c}:gen
-- ARGV     teamId, name
-- Publishes on lb:{c}:changed, for the live streams of every instance.
local prefix = string.sub(KEYS[1], 1, -4)
local gen = redis.call('GET', KEYS[1]) or '0'
local function key(name)
    return prefix .. gen .. ':' .. name
end

redis.call('HSET', key('names'), 't:' .. ARGV[1], ARGV[2])
redis.call('ZADD', key('teams'), 'NX', 0, ARGV[1])
redis.call('PUBLISH', prefix .. 'changed', 'team')
return 1

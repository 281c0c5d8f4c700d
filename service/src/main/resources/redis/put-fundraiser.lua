-- Records a fundraiser's name and team. A new fundraiser shows on the boards with 0. When its
-- team changes, its whole net amount moves from the old team's score to the new one's, so team
-- sums stay exact. Idempotent.
--
-- KEYS[1]  lb:{c}:gen
-- ARGV     fundraiserId, displayName, teamId ('' = none)
-- Publishes on lb:{c}:changed, for the live streams of every instance.
local prefix = string.sub(KEYS[1], 1, -4)
local gen = redis.call('GET', KEYS[1]) or '0'
local function key(name)
    return prefix .. gen .. ':' .. name
end

local id, name, team = ARGV[1], ARGV[2], ARGV[3]
local fundraisers, teams, teamof = key('fundraisers'), key('teams'), key('teamof')
redis.call('HSET', key('names'), 'f:' .. id, name)
redis.call('ZADD', fundraisers, 'NX', 0, id)
redis.call('ZADD', key('sharers'), 'NX', 0, id)

local old = redis.call('HGET', teamof, id) or ''
if old ~= team then
    -- The score string is passed through unparsed: it stays exact whatever Lua's numbers are.
    local score = redis.call('ZSCORE', fundraisers, id)
    if old ~= '' then
        local negated = string.sub(score, 1, 1) == '-' and string.sub(score, 2) or '-' .. score
        redis.call('ZINCRBY', teams, negated, old)
    end
    if team ~= '' then
        redis.call('ZINCRBY', teams, score, team)
        redis.call('HSET', teamof, id, team)
    else
        redis.call('HDEL', teamof, id)
    end
end
redis.call('PUBLISH', prefix .. 'changed', 'fundraiser')
return 1

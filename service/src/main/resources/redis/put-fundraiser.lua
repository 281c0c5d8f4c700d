-- Records a fundraiser's name and team. A new fundraiser shows on the boards with 0. When its
-- team changes, its whole net amount moves from the old team's score to the new one's, so team
-- sums stay exact. Idempotent.
--
-- KEYS, ARGV[1]  the generation (lib/generation.lua)
-- ARGV[2..]      fundraiserId, displayName, teamId ('' = none)
-- Returns        { 'ok' }, or a refusal (a missing state gets the fundraiser from the ledger when rebuilt)
-- Publishes on lb:{c}:changed, for the live streams of every instance.
local k, refused = generation()
if not k then
    return refused
end
local id, name, team = ARGV[2], ARGV[3], ARGV[4]
redis.call('HSET', k.names, 'f:' .. id, name)
redis.call('ZADD', k.fundraisers, 'NX', 0, id)
redis.call('ZADD', k.sharers, 'NX', 0, id)

local old = redis.call('HGET', k.teamof, id) or ''
if old ~= team then
    local score = redis.call('ZSCORE', k.fundraisers, id)
    if old ~= '' then
        redis.call('ZINCRBY', k.teams, negated(score), old)
    end
    if team ~= '' then
        redis.call('ZINCRBY', k.teams, score, team)
        redis.call('HSET', k.teamof, id, team)
    else
        redis.call('HDEL', k.teamof, id)
    end
end
redis.call('PUBLISH', k.changed, 'fundraiser')
return { 'ok' }

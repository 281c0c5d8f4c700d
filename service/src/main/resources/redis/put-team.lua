-- Records a team's name; a new team shows on the teams board with 0. Idempotent.
--
-- KEYS, ARGV[1]  the generation (lib/generation.lua)
-- ARGV[2..]      teamId, name
-- Returns        { 'ok' }, or a refusal (a missing state gets the team from the ledger when rebuilt)
-- Publishes on lb:{c}:changed, for the live streams of every instance.
local k, refused = generation()
if not k then
    return refused
end
redis.call('HSET', k.names, 't:' .. ARGV[2], ARGV[3])
redis.call('ZADD', k.teams, 'NX', 0, ARGV[2])
redis.call('PUBLISH', k.changed, 'team')
return { 'ok' }

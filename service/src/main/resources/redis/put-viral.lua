-- Sets fields of a campaign's viral hash: the definitions of its milestones, pledges and matches
-- (m:, p:, ms: fields, JSON) and the milestones reached (r: fields, epoch millis), as the
-- organizer's PUTs and the milestone watch save them in PostgreSQL first. Idempotent.
--
-- KEYS, ARGV[1]  the generation (lib/generation.lua)
-- ARGV[2..]      n x (field, value)
-- Returns        { 'ok' }, or a refusal (a missing state gets them from PostgreSQL when rebuilt)
-- Publishes on lb:{c}:changed, for the live streams of every instance.
local k, refused = generation()
if not k then
    return refused
end
redis.call('HSET', k.viral, unpack(ARGV, 2))
redis.call('PUBLISH', k.changed, 'viral')
return { 'ok' }

-- Tells which batch the current generation has applied.
--
-- KEYS, ARGV[1]  the generation (lib/generation.lua)
-- Returns        { 'ok', applied batch id (false when nothing was applied or rebuilt) }, or a refusal
local k, refused = generation()
if not k then
    return refused
end
return { 'ok', redis.call('GET', k.applied) }

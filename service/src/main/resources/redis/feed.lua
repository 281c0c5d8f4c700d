-- Reads the newest entries of a campaign's feed, newest first.
--
-- KEYS, ARGV[1]  the generation (lib/generation.lua)
-- ARGV[2]        limit
-- Returns        { 'ok', entries }, or a refusal
local k, refused = generation()
if not k then
    return refused
end
return { 'ok', redis.call('LRANGE', k.feed, 0, tonumber(ARGV[2]) - 1) }

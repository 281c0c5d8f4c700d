-- Replaces the feed entry of one donation by another form of it (its message hidden or shown
-- again by moderation). The feed keeps the newest 100 entries; an older gift is not in it, and
-- its message then only matters to a rebuild, which reads moderation from PostgreSQL.
--
-- KEYS, ARGV[1]  the generation (lib/generation.lua)
-- ARGV[2..]      eventId, the entry's new JSON
-- Returns        { 'ok', 1 } when replaced, { 'ok', 0 } when the feed does not hold it; or a refusal
-- Publishes on lb:{c}:changed when replaced, for the live streams of every instance.
local k, refused = generation()
if not k then
    return refused
end
local entries = redis.call('LRANGE', k.feed, 0, -1)
for i, entry in ipairs(entries) do
    if cjson.decode(entry).eventId == ARGV[2] then
        redis.call('LSET', k.feed, i - 1, ARGV[3])
        redis.call('PUBLISH', k.changed, 'feed')
        return { 'ok', 1 }
    end
end
return { 'ok', 0 }

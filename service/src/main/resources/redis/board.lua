-- Reads one page of a board (lib/board-page.lua).
--
-- KEYS, ARGV[1]  the generation (lib/generation.lua)
-- ARGV[2..]      board (fundraisers | teams | sharers | trending | referrals), offset, limit (0 = size only), nowMinute
-- Returns        { 'ok', size, then per entry: rank, id, score, name (false when unknown) }, or a refusal
local k, refused = generation()
if not k then
    return refused
end
local page = boardPage(k, ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]))
if page.err then
    return page
end
return { 'ok', page }

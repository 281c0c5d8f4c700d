-- Reads one page of a board (see lib/board-page.lua, prepended to this script).
--
-- KEYS[1]  lb:{c}:gen
-- ARGV     board (fundraisers | teams | sharers | trending), offset, limit (0 = size only), nowMinute
-- Returns  size, then per entry: rank, id, score, name (nil when unknown)
local prefix = string.sub(KEYS[1], 1, -4)
local gen = redis.call('GET', KEYS[1]) or '0'
return boardPage(prefix, gen, ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]))

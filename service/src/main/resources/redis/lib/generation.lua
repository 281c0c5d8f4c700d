-- Prepended to every script that touches a campaign's live state (LeaderboardStore). The caller
-- resolves the current generation, names it in ARGV[1] and declares every key of it (LiveKeys
-- order), so a script reads and writes only keys it was given, all in the campaign's slot.
--
-- KEYS[1]      lb:{c}:gen
-- KEYS[2..15]  lb:{c}:<gen>:totals, fundraisers, teams, sharers, names, teamof, feed, applied,
--              trend:window, trend:log, trend:index, trend:end, referrals, viral
-- ARGV[1]      the generation those keys belong to
-- Returns      the generation's keys by name, or nil and the refusal to return:
--              { 'missing' } when the campaign has no live state (Redis lost it, or it was never
--              established), { 'stale', gen } when another generation is current.
local function generation()
    local gen = redis.call('GET', KEYS[1])
    if not gen then
        return nil, { 'missing' }
    end
    if gen ~= ARGV[1] then
        return nil, { 'stale', gen }
    end
    return {
        totals = KEYS[2], fundraisers = KEYS[3], teams = KEYS[4], sharers = KEYS[5], names = KEYS[6],
        teamof = KEYS[7], feed = KEYS[8], applied = KEYS[9], window = KEYS[10], log = KEYS[11],
        index = KEYS[12], windowEnd = KEYS[13], referrals = KEYS[14], viral = KEYS[15],
        changed = string.sub(KEYS[1], 1, -4) .. 'changed'
    }
end

-- Decimal strings of non-negative integers, compared exactly (Lua numbers are doubles).
local function atLeast(a, b)
    if #a ~= #b then
        return #a > #b
    end
    return a >= b
end

-- The negation of a decimal string, passed through unparsed so it stays exact.
local function negated(amount)
    return string.sub(amount, 1, 1) == '-' and string.sub(amount, 2) or '-' .. amount
end

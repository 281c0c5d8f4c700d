-- Reads one page of a board, score descending, ties by id ascending, standard competition ranks
-- (1, 2, 2, 4). Redis orders ties of a reverse range by member descending, so the page is walked
-- one score group at a time, each group read in ascending member order. The trending board is
-- the generation's window (lib/trending.lua), advanced first, of which only positive amounts show.
--
-- k      the generation's keys (lib/generation.lua)
-- board  fundraisers | teams | sharers | trending | referrals
-- offset, limit (0 = size only), nowMinute (the end of the trending window)
-- Returns size, then per entry: rank, id, score, name (false when unknown)
local function boardPage(k, board, offset, limit, nowMinute)
    local source, positiveOnly = k[board], false
    if board == 'trending' then
        advanceWindow(k, nowMinute)
        source, positiveOnly = k.window, true
    elseif board == 'referrals' then
        -- Fundraisers who brought money through their links: only those with some.
        positiveOnly = true
    elseif board ~= 'fundraisers' and board ~= 'teams' and board ~= 'sharers' then
        return redis.error_reply('unknown board ' .. board)
    end
    local kind = board == 'teams' and 't:' or 'f:'

    local size = positiveOnly and redis.call('ZCOUNT', source, '(0', '+inf') or redis.call('ZCARD', source)
    local reply = { size }
    if limit > 0 and offset < size then
        -- The score at position `offset`, how many rank above it, and where `offset` falls in its group.
        local score = redis.call('ZREVRANGE', source, offset, offset, 'WITHSCORES')[2]
        local above = redis.call('ZCOUNT', source, '(' .. score, '+inf')
        local skip = offset - above
        local taken = 0
        while true do
            local members = redis.call('ZRANGE', source, score, score, 'BYSCORE', 'LIMIT', skip, limit - taken)
            for _, id in ipairs(members) do
                local n = #reply
                reply[n + 1] = above + 1
                reply[n + 2] = id
                reply[n + 3] = score
                reply[n + 4] = redis.call('HGET', k.names, kind .. id)
            end
            taken = taken + #members
            if taken >= limit then
                break
            end
            local lower = redis.call('ZRANGE', source, '(' .. score, '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, 1,
                    'WITHSCORES')
            if #lower == 0 or (positiveOnly and tonumber(lower[2]) <= 0) then
                break
            end
            score = lower[2]
            above = redis.call('ZCOUNT', source, '(' .. score, '+inf')
            skip = 0
        end
    end
    return reply
end

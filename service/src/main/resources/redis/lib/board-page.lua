-- Shared by board.lua and live-view.lua (LeaderboardStore prepends it): reads one page of a board,
-- score descending, ties by id ascending, standard competition ranks (1, 2, 2, 4). Redis orders
-- ties of a reverse range by member descending, so the page is walked one score group at a time,
-- each group read in ascending member order.
--
-- prefix    lb:{c}:   gen  the current generation
-- board     fundraisers | teams | sharers | trending
-- offset, limit (0 = size only), nowMinute (places the trending window)
-- Returns   size, then per entry: rank, id, score, name (false when unknown)
local function boardPage(prefix, gen, board, offset, limit, nowMinute)
    local function key(name)
        return prefix .. gen .. ':' .. name
    end
    local names, kind = key('names'), board == 'teams' and 't:' or 'f:'

    local source, scratch
    if board == 'trending' then
        -- The sum of the last 60 minute buckets, built into a key that lives only for this call.
        local minutes = redis.call('ZRANGE', key('buckets'), nowMinute - 59, nowMinute, 'BYSCORE')
        if #minutes == 0 then
            return { 0 }
        end
        local keys = {}
        for n, minute in ipairs(minutes) do
            keys[n] = key('trend:' .. minute)
        end
        scratch = prefix .. 'scratch:trending'
        redis.call('ZUNIONSTORE', scratch, #keys, unpack(keys))
        redis.call('ZREMRANGEBYSCORE', scratch, '-inf', 0)
        source = scratch
    elseif board == 'fundraisers' or board == 'teams' or board == 'sharers' then
        source = key(board)
    else
        return redis.error_reply('unknown board ' .. board)
    end

    local size = redis.call('ZCARD', source)
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
                reply[n + 4] = redis.call('HGET', names, kind .. id)
            end
            taken = taken + #members
            if taken >= limit then
                break
            end
            local lower = redis.call('ZRANGE', source, '(' .. score, '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, 1,
                    'WITHSCORES')
            if #lower == 0 then
                break
            end
            score = lower[2]
            above = redis.call('ZCOUNT', source, '(' .. score, '+inf')
            skip = 0
        end
    end

    if scratch then
        redis.call('UNLINK', scratch)
    end
    return reply
end

-- The trending window of a generation, kept incrementally so that reading it costs what reading
-- any other board costs: `window` holds each fundraiser's net amount over the 60 minutes ending at
-- minute `windowEnd`; `log` holds the same amounts per "minute:fundraiser" and `index` those fields
-- by minute, so a minute leaving the window is subtracted once, entry by entry.
local WINDOW_MINUTES = 60

-- Moves the window's end to nowMinute (never back) and subtracts the minutes that left it.
-- Returns the window's end.
local function advanceWindow(k, nowMinute)
    local last = redis.call('GET', k.windowEnd)
    if last and tonumber(last) >= nowMinute then
        return tonumber(last)
    end
    redis.call('SET', k.windowEnd, nowMinute)
    local cutoff = nowMinute - WINDOW_MINUTES
    local expired = redis.call('ZRANGE', k.index, '-inf', cutoff, 'BYSCORE')
    for _, field in ipairs(expired) do
        local amount = redis.call('HGET', k.log, field)
        if amount then
            local fundraiser = string.sub(field, string.find(field, ':', 1, true) + 1)
            if tonumber(redis.call('ZINCRBY', k.window, negated(amount), fundraiser)) == 0 then
                redis.call('ZREM', k.window, fundraiser)
            end
            redis.call('HDEL', k.log, field)
        end
    end
    if #expired > 0 then
        redis.call('ZREMRANGEBYSCORE', k.index, '-inf', cutoff)
    end
    return nowMinute
end

-- Adds a fundraiser's net amount recorded in `minute`, unless that minute has left the window.
local function addToWindow(k, windowEnd, minute, fundraiser, delta)
    if minute <= windowEnd - WINDOW_MINUTES then
        return
    end
    local field = minute .. ':' .. fundraiser
    redis.call('HINCRBY', k.log, field, delta)
    redis.call('ZADD', k.index, minute, field)
    if tonumber(redis.call('ZINCRBY', k.window, delta, fundraiser)) == 0 then
        redis.call('ZREM', k.window, fundraiser)
    end
end

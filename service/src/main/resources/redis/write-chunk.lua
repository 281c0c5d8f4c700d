-- Writes one bounded chunk of a rebuild's fresh generation and gives the key a deadline, so
-- the keys of a rebuild that dies half-way vanish on their own. The flip removes the deadline.
--
-- KEYS[1]  the key to write (a key of the fresh generation)
-- ARGV     command (ZADD | HSET | RPUSH | SET), expireAtSeconds, the command's arguments
local allowed = { ZADD = true, HSET = true, RPUSH = true, SET = true }
if not allowed[ARGV[1]] then
    return redis.error_reply('write-chunk runs ZADD, HSET, RPUSH or SET, not ' .. tostring(ARGV[1]))
end
redis.call(ARGV[1], KEYS[1], unpack(ARGV, 3))
redis.call('EXPIREAT', KEYS[1], ARGV[2])
return 1

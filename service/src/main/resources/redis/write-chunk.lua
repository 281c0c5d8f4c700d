-- Writes one bounded chunk of a rebuild's fresh generation and gives the key a deadline, so
-- the keys of a rebuild that dies half-way vanish on their own. The flip removes the deadline.
--
-- KEYS[1]  the key to write
-- ARGV     command (ZADD | HSET | RPUSH | SET), expireAtSeconds, the command's arguments
redis.call(ARGV[1], KEYS[1], unpack(ARGV, 3))
redis.call('EXPIREAT', KEYS[1], ARGV[2])
return 1

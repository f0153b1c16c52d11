-- Forgets a user's inbox up to and including an acknowledged sequence number; the ack mark only moves forward,
-- whichever node the ack lands on.
-- KEYS[1] = inbox stream, KEYS[2] = hash of acked marks; ARGV[1] = user, ARGV[2] = acked seq
local acked = tonumber(ARGV[2])
local current = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if acked > current then
  redis.call('XTRIM', KEYS[1], 'MINID', (acked + 1) .. '-0')
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
end
return 1

-- Appends one entry to a user's inbox with the next sequence number, atomically, so that sequence order and
-- stream order can never disagree (a reader that saw seq 5 must never later find a 4).
-- KEYS[1] = inbox sequence counter, KEYS[2] = inbox stream, KEYS[3] = the store's epoch
-- ARGV[1] = the epoch this node serves; ARGV[2], ARGV[3], ... = the entry's fields and values
-- Returns the sequence number, or -1 (and appends nothing) if the store is not the epoch this node serves.
-- (an empty ARGV[1], on Redis Cluster, is not checked here: see RedisKeys)
if ARGV[1] ~= '' and redis.call('GET', KEYS[3]) ~= ARGV[1] then
  return -1
end
local seq = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], string.format('%d-1', seq), unpack(ARGV, 2))
return seq

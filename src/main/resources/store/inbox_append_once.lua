-- Appends a message to one reader's inbox once (Redis Cluster: one script per reader, in the reader's slot). A
-- retry after a failover, or a resend whose first attempt stored the message, finds the id and writes nothing.
-- KEYS[1] = inbox sequence counter, KEYS[2] = inbox stream, KEYS[3] = the id's marker (sender and message id)
-- ARGV[1] = seconds to remember the id; ARGV[2], ARGV[3], ... = the entry's fields and values
-- Returns {inbox seq, 1} when appended now, {inbox seq, 0} when it was already there.
local before = redis.call('GET', KEYS[3])
if before then
  return {tonumber(before), 0}
end
local seq = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], string.format('%d-1', seq), unpack(ARGV, 2))
redis.call('SET', KEYS[3], seq, 'EX', tonumber(ARGV[1]))
return {seq, 1}

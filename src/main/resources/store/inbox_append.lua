-- Appends one event to a user's inbox with the next sequence number, atomically, so that sequence order and
-- stream order can never disagree (a reader that saw seq 5 must never later find a 4).
-- KEYS[1] = inbox sequence counter, KEYS[2] = inbox stream; ARGV[1] = the encoded event (seq field left at 0)
local seq = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], seq .. '-1', 'e', ARGV[1])
return seq

-- Saves a new message in one step (MessageStore.save): dedupe, guard, chat sequence, history, then the
-- recipients' inboxes or the pair's hold, then the sender's message id. One script: atomic, one round trip.
-- The message is the store's own record, passed through as bytes: the script never encodes anything; the chat
-- sequence number lives beside it (sorted-set score, stream entry field).
--
-- KEYS[1] lock of the conversation   KEYS[2] sent-id key           KEYS[3] hash holding the guarded value
-- KEYS[4] chat sequence counter      KEYS[5] history (sorted set)  KEYS[6] hold of the pair (sorted set)
-- KEYS[7] bytes held for the pair    KEYS[8] the store's epoch
-- KEYS[9], KEYS[10], ...: for each recipient, its inbox sequence counter, then its inbox stream
-- ARGV[1] guarded field   ARGV[2] value that delivers   ARGV[3] value that holds   ARGV[4] '1' if holding is allowed
-- ARGV[5] the message record   ARGV[6] how many history entries to keep   ARGV[7] seconds to remember the id
-- ARGV[8] the conversation's key   ARGV[9] most messages a pair may hold   ARGV[10] most bytes a pair may hold
-- ARGV[11] the epoch this node serves
-- Returns {outcome, value}: EPOCH + epoch found (the store was replaced), BUSY (a locked compound change is
-- running: retry), DUPLICATE + first chat seq, REFUSED + guarded value, HOLD_FULL, HELD + chat seq,
-- DELIVERED + chat seq + the inbox seq each recipient's copy got.

local epoch = redis.call('GET', KEYS[8])
if epoch ~= ARGV[11] then
  return {'EPOCH', epoch or ''}
end
-- Compound changes (accepting a chat request, group membership) run from a node under the lock; this script must
-- not land between their steps. Once it runs, nothing else does until it ends, so checking the lock once is enough.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {'BUSY', ''}
end
local before = redis.call('GET', KEYS[2])
if before then
  return {'DUPLICATE', before}
end
local current = redis.call('HGET', KEYS[3], ARGV[1]) or ''
local hold
if current == ARGV[2] then
  hold = false
elseif ARGV[4] == '1' and current == ARGV[3] then
  hold = true
else
  return {'REFUSED', current}
end
local message = ARGV[5]
if hold then
  local count = redis.call('ZCARD', KEYS[6])
  local bytes = tonumber(redis.call('GET', KEYS[7]) or '0')
  if count >= tonumber(ARGV[9]) or bytes + #message > tonumber(ARGV[10]) then
    return {'HOLD_FULL', ''}
  end
end

local seq = redis.call('INCR', KEYS[4])
redis.call('ZADD', KEYS[5], seq, message)
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', seq - tonumber(ARGV[6]))
local reply = {'', ''}
if hold then
  redis.call('ZADD', KEYS[6], seq, message)
  redis.call('INCRBY', KEYS[7], #message)
else
  for i = 9, #KEYS, 2 do
    local inboxSeq = redis.call('INCR', KEYS[i])
    redis.call('XADD', KEYS[i + 1], string.format('%d-1', inboxSeq), 'm', message, 'c', seq, 'k', ARGV[8])
    reply[#reply + 1] = inboxSeq
  end
end
redis.call('SET', KEYS[2], seq, 'EX', tonumber(ARGV[7]))
reply[1] = hold and 'HELD' or 'DELIVERED'
reply[2] = tostring(seq)
return reply

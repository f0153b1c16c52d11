-- Saves a batch of new messages (MessageStore.save), each in the order given and each whole before the next:
-- dedupe, guard, chat sequence, history, then the recipients' inboxes or the pair's hold, then the sender's message
-- id. One script call for the batch: one round trip, and nothing else runs in Redis while it does.
-- The message is the store's own record, passed through as bytes: the script never encodes anything; the chat
-- sequence number lives beside it (sorted-set score, stream entry field).
--
-- KEYS[1] the store's epoch; ARGV[1] the epoch this node serves. Then, for each message in turn, its keys and
-- arguments follow those of the message before it:
-- keys: lock of the conversation, sent-id key, hash holding the guarded value, chat sequence counter, history
--   (sorted set), hold of the pair (sorted set), bytes held for the pair; then for each recipient, its inbox
--   sequence counter and its inbox stream
-- args: guarded field, value that delivers, value that holds, '1' if holding is allowed, the message record, how
--   many history entries to keep, seconds to remember the id, the conversation's key, most messages a pair may
--   hold, most bytes a pair may hold, how many recipients
-- Returns {'EPOCH', epoch found} when the store was replaced (nothing written), else one reply per message:
-- {outcome, value}: BUSY (a locked compound change is running: retry), DUPLICATE + first chat seq, REFUSED +
-- guarded value, HOLD_FULL, HELD + chat seq, DELIVERED + chat seq + the inbox seq each recipient's copy got.

-- On Redis Cluster ARGV[1] is empty: no key is in every slot, so the node checks the epoch apart (RedisKeys).
local epoch = ARGV[1] ~= '' and redis.call('GET', KEYS[1]) or ''
if epoch ~= ARGV[1] then
  return {'EPOCH', epoch or ''}
end

local function save(k, a, recipients)
  -- Compound changes (accepting a chat request, group membership) run from a node under the lock; a message must
  -- not land between their steps. Once this script runs, nothing else does until it ends.
  if redis.call('EXISTS', KEYS[k]) == 1 then
    return {'BUSY', ''}
  end
  local before = redis.call('GET', KEYS[k + 1])
  if before then
    return {'DUPLICATE', before}
  end
  local current = redis.call('HGET', KEYS[k + 2], ARGV[a]) or ''
  local hold
  if current == ARGV[a + 1] then
    hold = false
  elseif ARGV[a + 3] == '1' and current == ARGV[a + 2] then
    hold = true
  else
    return {'REFUSED', current}
  end
  local message = ARGV[a + 4]
  if hold then
    local count = redis.call('ZCARD', KEYS[k + 5])
    local bytes = tonumber(redis.call('GET', KEYS[k + 6]) or '0')
    if count >= tonumber(ARGV[a + 8]) or bytes + #message > tonumber(ARGV[a + 9]) then
      return {'HOLD_FULL', ''}
    end
  end

  local seq = redis.call('INCR', KEYS[k + 3])
  redis.call('ZADD', KEYS[k + 4], seq, message)
  redis.call('ZREMRANGEBYSCORE', KEYS[k + 4], '-inf', seq - tonumber(ARGV[a + 5]))
  local reply = {hold and 'HELD' or 'DELIVERED', tostring(seq)}
  if hold then
    redis.call('ZADD', KEYS[k + 5], seq, message)
    redis.call('INCRBY', KEYS[k + 6], #message)
  else
    for i = 0, recipients - 1 do
      local counter = k + 7 + 2 * i
      local inboxSeq = redis.call('INCR', KEYS[counter])
      redis.call('XADD', KEYS[counter + 1], string.format('%d-1', inboxSeq), 'm', message, 'c', seq, 'k', ARGV[a + 7])
      reply[#reply + 1] = inboxSeq
    end
  end
  redis.call('SET', KEYS[k + 1], seq, 'EX', tonumber(ARGV[a + 6]))
  return reply
end

local replies = {}
local k, a = 2, 2
while a <= #ARGV do
  local recipients = tonumber(ARGV[a + 10])
  replies[#replies + 1] = save(k, a, recipients)
  k = k + 7 + 2 * recipients
  a = a + 11
end
return replies

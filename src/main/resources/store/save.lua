-- Saves a new message in one step (MessageStore.save): dedupe, guard, chat sequence, history, then the
-- recipients' inboxes or the pair's held list, then the sender's message id. As one script it is atomic and costs
-- one round trip.
--
-- KEYS[1] lock of the conversation   KEYS[2] sent-id key         KEYS[3] hash holding the guarded value
-- KEYS[4] chat sequence counter      KEYS[5] recent history list KEYS[6] held list of the pair
-- KEYS[7], KEYS[8], ...: for each recipient, its inbox sequence counter, then its inbox stream
-- ARGV[1] guarded field   ARGV[2] value that delivers   ARGV[3] value that holds   ARGV[4] '1' if holding is allowed
-- ARGV[5] the ChatMessage, encoded without chat_seq   ARGV[6] how many history entries to keep
-- ARGV[7] seconds to remember the message id
-- Returns {outcome, value}: BUSY (a locked compound change is running: retry), DUPLICATE + first chat seq,
-- REFUSED + guarded value, HELD + chat seq, DELIVERED + chat seq + the inbox seq each recipient's copy got.

-- Compound changes (accepting a chat request, group membership) run from a node under the lock; this script must not land between
-- their steps. Once it runs, nothing else does until it ends, so checking the lock once is enough.
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

-- Protobuf varint: seven bits per byte, low group first, high bit set on all but the last.
local function varint(n)
  local out = {}
  while n >= 128 do
    out[#out + 1] = string.char(n % 128 + 128)
    n = math.floor(n / 128)
  end
  out[#out + 1] = string.char(n)
  return table.concat(out)
end

local seq = redis.call('INCR', KEYS[4])
local reply = {'', ''}
-- Appending field 4 (chat_seq, varint: tag 0x20) to an encoded ChatMessage that lacks it yields the encoding of the
-- message with chat_seq set: protobuf fields may come in any order.
local message = ARGV[5] .. '\32' .. varint(seq)
redis.call('RPUSH', KEYS[5], message)
redis.call('LTRIM', KEYS[5], -tonumber(ARGV[6]), -1)
if hold then
  redis.call('RPUSH', KEYS[6], message)
else
  -- An Event whose only field is message (field 2, length-delimited: tag 0x12); the inbox seq is the entry id.
  local event = '\18' .. varint(#message) .. message
  for i = 7, #KEYS, 2 do
    local inboxSeq = redis.call('INCR', KEYS[i])
    redis.call('XADD', KEYS[i + 1], inboxSeq .. '-1', 'e', event)
    reply[#reply + 1] = inboxSeq
  end
end
redis.call('SET', KEYS[2], seq, 'EX', tonumber(ARGV[7]))
reply[1] = hold and 'HELD' or 'DELIVERED'
reply[2] = tostring(seq)
return reply

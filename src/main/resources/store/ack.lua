-- Forgets a user's inbox up to and including an acknowledged sequence number, and remembers, per conversation,
-- the highest chat sequence number among the messages acknowledged (so History can tell what the user has seen
-- without reading the inbox). The ack mark only moves forward, whichever node the ack lands on.
-- KEYS[1] = inbox stream, KEYS[2] = hash of acked marks, KEYS[3] = inbox sequence counter,
-- KEYS[4] = hash of acknowledged chat seqs of the user, KEYS[5] = the store's epoch
-- ARGV[1] = user, ARGV[2] = acked seq (decimal), ARGV[3] = the epoch this node serves
-- Returns -2 if the store is not that epoch, -1 if the seq is above any given out (nothing changes), else 1.
-- (an empty ARGV[3], on Redis Cluster, is not checked here: see RedisKeys)
if ARGV[3] ~= '' and redis.call('GET', KEYS[5]) ~= ARGV[3] then
  return -2
end
local acked = tonumber(ARGV[2])
if acked > tonumber(redis.call('GET', KEYS[3]) or '0') then
  return -1
end
local current = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if acked > current then
  local entries = redis.call('XRANGE', KEYS[1], '-', string.format('%d-1', acked))
  for _, entry in ipairs(entries) do
    local fields = entry[2]
    local chat, seq
    for i = 1, #fields, 2 do
      if fields[i] == 'k' then
        chat = fields[i + 1]
      elseif fields[i] == 'c' then
        seq = fields[i + 1]
      end
    end
    if chat and seq then
      redis.call('HSET', KEYS[4], chat, seq)
    end
  end
  redis.call('XTRIM', KEYS[1], 'MINID', string.format('%d-0', acked + 1))
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
end
return 1

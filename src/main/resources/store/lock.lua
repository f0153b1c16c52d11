-- Takes the lock of a compound change (MessageStore.atomically), only in the store this node serves: a Redis that
-- was emptied or replaced under the node gets no write from it.
-- KEYS[1] = lock key, KEYS[2] = the store's epoch; ARGV[1] = our token, ARGV[2] = the epoch this node serves,
-- ARGV[3] = milliseconds until the lock expires on its own
-- Returns 1 if taken, 0 if another holds it, -1 if the store is not that epoch.
-- (an empty ARGV[2], on Redis Cluster, is not checked here: see RedisKeys)
if ARGV[2] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[2] then
  return -1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[3]) then
  return 1
end
return 0

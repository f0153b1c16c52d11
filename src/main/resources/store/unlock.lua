-- Releases a lock only if we still own it: a lock that expired and was taken by another node stays theirs.
-- KEYS[1] = lock key; ARGV[1] = our token
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0

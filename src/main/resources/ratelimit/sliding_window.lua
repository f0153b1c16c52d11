-- Exact sliding-window log shared by every server process (see RedisRateLimiter).
--
-- KEYS[1]  sorted set of the calls admitted for one user: member = the call's nonce, score = admission time in
--          microseconds
-- ARGV[1]  max calls per window
-- ARGV[2]  window in milliseconds
-- ARGV[3]  a random per-call nonce: keeps members unique (two calls in the same microsecond must both count), and
--          lets the caller take its call out of the count again (ZREM) when it turned out not to count
-- Returns  {1, 0} if admitted, {0, retry_after_ms} if denied.
--
-- The clock is Redis' own TIME, never the caller's: all nodes share one clock, so skew between app servers cannot
-- widen or narrow the window. Calling TIME in a script that writes is safe because Redis (7 and later) replicates a
-- script's effects, the ZADD with a concrete score, so replicas and the AOF see the same data.

local key = KEYS[1]
local max_calls = tonumber(ARGV[1])
local window_ms = tonumber(ARGV[2])
local window_us = window_ms * 1000

local t = redis.call('TIME')
-- Microseconds since the epoch (~1.7e15) are below 2^53, so Lua doubles and sorted-set scores hold them exactly.
local now_us = tonumber(t[1]) * 1000000 + tonumber(t[2])

-- A call made window or longer ago no longer counts (same rule as LocalRateLimiter).
redis.call('ZREMRANGEBYSCORE', key, '-inf', now_us - window_us)

if redis.call('ZCARD', key) < max_calls then
  redis.call('ZADD', key, now_us, ARGV[3])
  -- Everything in the set is stale one window after the newest admission: let Redis drop idle users.
  redis.call('PEXPIRE', key, window_ms)
  return {1, 0}
end

local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local retry_us = tonumber(oldest[2]) + window_us - now_us
-- Round up so a client that waits exactly this long is admitted.
return {0, math.max(1, math.ceil(retry_us / 1000))}

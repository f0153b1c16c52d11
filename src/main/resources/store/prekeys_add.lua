-- Adds one-time prekeys to a user's stock, all or none.
-- KEYS[1] the user's stock (a list, oldest first); ARGV[1] the most it may hold; ARGV[2..] the stored keys to add.
-- Returns the stock's size after, or -1 if it would exceed the limit (nothing added).
local held = redis.call('LLEN', KEYS[1])
local adding = #ARGV - 1
if held + adding > tonumber(ARGV[1]) then
  return -1
end
for i = 2, #ARGV do
  redis.call('RPUSH', KEYS[1], ARGV[i])
end
return held + adding

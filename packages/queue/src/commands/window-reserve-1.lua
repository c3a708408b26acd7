--[[
  Reserves a slot in a rolling window (for example: posts of one account in 24 hours).

  The window is a sorted set of reservation ids scored by the time they were taken. An
  entry counts while now < score + window. A reservation id already in the window keeps its
  slot and is not counted twice, so a retried job never takes two slots.

  Input:
    KEYS[1] window key (sorted set)

    ARGV[1] reservation id
    ARGV[2] cap: how many reservations the window may hold
    ARGV[3] window length in milliseconds
    ARGV[4] now in epoch milliseconds, or "" to use the Redis server's clock

  Output:
    { 1, count, reservedAt, 0 }   reserved now
    { 1, count, reservedAt, 1 }   this id already held a slot
    { 0, count, retryAt }         full; retryAt is when enough entries leave for one slot
]]
local rcall = redis.call

local now = tonumber(ARGV[4])
if not now then
  local t = rcall("TIME")
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local cap = tonumber(ARGV[2])
local window = tonumber(ARGV[3])

rcall("ZREMRANGEBYSCORE", KEYS[1], "-inf", now - window)

local existing = rcall("ZSCORE", KEYS[1], ARGV[1])
local count = rcall("ZCARD", KEYS[1])
if existing then
  return { 1, count, tonumber(existing), 1 }
end

if count < cap then
  rcall("ZADD", KEYS[1], now, ARGV[1])
  -- Only the newest entry can outlive the others, so the key lives as long as it does.
  rcall("PEXPIRE", KEYS[1], window)
  return { 1, count + 1, now, 0 }
end

-- count - cap + 1 entries must leave before a slot frees; the last of them is at this rank.
local blocker = rcall("ZRANGE", KEYS[1], count - cap, count - cap, "WITHSCORES")
return { 0, count, tonumber(blocker[2]) + window }

--[[
  Reads a rolling window without changing it.

  Input:
    KEYS[1] window key (sorted set)

    ARGV[1] window length in milliseconds
    ARGV[2] now in epoch milliseconds, or "" to use the Redis server's clock

  Output:
    { count, oldestAt or -1, now }
]]
local rcall = redis.call

local now = tonumber(ARGV[2])
if not now then
  local t = rcall("TIME")
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local since = "(" .. (now - tonumber(ARGV[1]))

local count = rcall("ZCOUNT", KEYS[1], since, "+inf")
local oldest = rcall("ZRANGEBYSCORE", KEYS[1], since, "+inf", "WITHSCORES", "LIMIT", 0, 1)
if oldest[2] then
  return { count, tonumber(oldest[2]), now }
end
return { count, -1, now }

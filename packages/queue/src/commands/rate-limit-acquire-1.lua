--[[
  Sliding-window rate limiter: at most `limit` calls in any `window` milliseconds.

  Each granted call is a member of a sorted set scored by its time. A refused call is not
  recorded, so waiting callers do not push the window further out.

  Input:
    KEYS[1] limiter key (sorted set)

    ARGV[1] limit
    ARGV[2] window length in milliseconds
    ARGV[3] unique id of this call
    ARGV[4] now in epoch milliseconds, or "" to use the Redis server's clock

  Output:
    { 1, remaining }     granted; remaining calls left in the window
    { 0, retryAfterMs }  refused; a call is granted again after this many milliseconds
]]
local rcall = redis.call

local now = tonumber(ARGV[4])
if not now then
  local t = rcall("TIME")
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])

rcall("ZREMRANGEBYSCORE", KEYS[1], "-inf", now - window)

local count = rcall("ZCARD", KEYS[1])
if count < limit then
  rcall("ZADD", KEYS[1], now, ARGV[3])
  rcall("PEXPIRE", KEYS[1], window)
  return { 1, limit - count - 1 }
end

local blocker = rcall("ZRANGE", KEYS[1], count - limit, count - limit, "WITHSCORES")
local retryAfter = tonumber(blocker[2]) + window - now
if retryAfter < 1 then retryAfter = 1 end
return { 0, retryAfter }

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
-- @include sliding-window.lua

local now = windowNow(ARGV[4])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])

local count = windowCount(KEYS[1], now, window)
if count < limit then
  windowAdd(KEYS[1], now, window, ARGV[3])
  return { 1, limit - count - 1 }
end

local retryAfter = windowBlocker(KEYS[1], count, limit) + window - now
if retryAfter < 1 then retryAfter = 1 end
return { 0, retryAfter }

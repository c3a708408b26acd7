--[[
  A post's admission to TikTok's init, in one command: its slot in the account's rolling
  24 h window (window-reserve-1.lua) and one call of the account's per-minute init limit
  (rate-limit-acquire-1.lua), taken together or not at all. A post the rate limit turns
  away takes no slot; a post the window turns away spends no call.

  Input:
    KEYS[1] the account's post window (sorted set)
    KEYS[2] the account's init rate limiter (sorted set)

    ARGV[1] reservation id (the post id)
    ARGV[2] cap of the post window
    ARGV[3] post window length in milliseconds
    ARGV[4] init calls allowed per rate window
    ARGV[5] rate window length in milliseconds
    ARGV[6] unique id of this call
    ARGV[7] now in epoch milliseconds, or "" to use the Redis server's clock

  Output:
    { 1, count, reservedAt, already }   admitted (already: 1 when the id held its slot)
    { 0, count, retryAt }               the post window is full
    { 2, retryAfterMs }                 the init limit is spent; nothing was taken
]]
-- @include sliding-window.lua

local now = windowNow(ARGV[7])
local cap = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])
local rateWindow = tonumber(ARGV[5])

local count = windowCount(KEYS[1], now, window)
local existing = redis.call("ZSCORE", KEYS[1], ARGV[1])
if not existing and count >= cap then
  return { 0, count, windowBlocker(KEYS[1], count, cap) + window }
end

local calls = windowCount(KEYS[2], now, rateWindow)
if calls >= limit then
  local retryAfter = windowBlocker(KEYS[2], calls, limit) + rateWindow - now
  if retryAfter < 1 then retryAfter = 1 end
  return { 2, retryAfter }
end
windowAdd(KEYS[2], now, rateWindow, ARGV[6])

if existing then
  return { 1, count, tonumber(existing), 1 }
end
windowAdd(KEYS[1], now, window, ARGV[1])
return { 1, count + 1, now, 0 }

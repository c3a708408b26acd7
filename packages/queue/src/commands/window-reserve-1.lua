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
-- @include sliding-window.lua

local now = windowNow(ARGV[4])
local cap = tonumber(ARGV[2])
local window = tonumber(ARGV[3])

local count = windowCount(KEYS[1], now, window)
local existing = redis.call("ZSCORE", KEYS[1], ARGV[1])
if existing then
  return { 1, count, tonumber(existing), 1 }
end

if count < cap then
  windowAdd(KEYS[1], now, window, ARGV[1])
  return { 1, count + 1, now, 0 }
end

return { 0, count, windowBlocker(KEYS[1], count, cap) + window }

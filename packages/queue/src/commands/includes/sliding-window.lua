--[[
  Shared by the scripts that keep a sliding window in a sorted set (members scored by the
  time they were taken): scripts.ts pastes this file where a script says
  `-- @include sliding-window.lua`, so each script stays one atomic EVALSHA.
]]

-- ARGV's "now" in epoch milliseconds, or the Redis server's clock when it is "" (every
-- worker shares that clock, so skewed workers still agree).
local function windowNow(arg)
  local now = tonumber(arg)
  if now then return now end
  local t = redis.call("TIME")
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Drops the entries that left the window and answers how many are still in it.
local function windowCount(key, now, window)
  redis.call("ZREMRANGEBYSCORE", key, "-inf", now - window)
  return redis.call("ZCARD", key)
end

-- The score of the entry that must leave before the window takes one more: with `count`
-- entries and room for `cap`, count - cap + 1 must leave, the last of them at this rank.
local function windowBlocker(key, count, cap)
  local blocker = redis.call("ZRANGE", key, count - cap, count - cap, "WITHSCORES")
  return tonumber(blocker[2])
end

-- Adds a member; only the newest entry can outlive the others, so the key lives as long.
local function windowAdd(key, now, window, member)
  redis.call("ZADD", key, now, member)
  redis.call("PEXPIRE", key, window)
end

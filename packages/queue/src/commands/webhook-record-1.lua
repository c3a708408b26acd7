--[[
  Records one of TikTok's publish webhooks (webhook-outcomes.ts), in one command.

  Input:
    KEYS[1] outcome key (hash)

    ARGV[1] event name
    ARGV[2] public post id, or "" when the event carries none
    ARGV[3] time to live in seconds

  Output:
    the number of webhooks recorded for the publish, this one included
]]
local rcall = redis.call

local version = rcall("HINCRBY", KEYS[1], "v", 1)
rcall("HSET", KEYS[1], "event:" .. ARGV[1], "1")
if ARGV[2] ~= "" then
  rcall("HSET", KEYS[1], "post_id", ARGV[2])
end
rcall("EXPIRE", KEYS[1], tonumber(ARGV[3]))
return version

--[[
  Records one of TikTok's publish webhooks (webhook-outcomes.ts), in one command: the
  duplicate check (TikTok delivers at least once), the record, and who watches it.

  Input:
    KEYS[1] seen key of this delivery (the body's hash)
    KEYS[2] outcome key (hash)

    ARGV[1] event name
    ARGV[2] public post id, or "" when the event carries none
    ARGV[3] time to live of the record in seconds
    ARGV[4] time to live of the seen key in seconds

  Output:
    { 0 }                    a duplicate: nothing recorded
    { version, watcher }     recorded; version counts the webhooks, this one included;
                             watcher is the status job watching the record, or ""
]]
local rcall = redis.call

if not rcall("SET", KEYS[1], "1", "EX", tonumber(ARGV[4]), "NX") then
  return { 0 }
end
local version = rcall("HINCRBY", KEYS[2], "v", 1)
rcall("HSET", KEYS[2], "event:" .. ARGV[1], "1")
if ARGV[2] ~= "" then
  rcall("HSET", KEYS[2], "post_id", ARGV[2])
end
rcall("EXPIRE", KEYS[2], tonumber(ARGV[3]))
return { version, rcall("HGET", KEYS[2], "watcher") or "" }

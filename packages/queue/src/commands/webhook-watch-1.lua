--[[
  Marks a publish's webhook record as watched by its status job, right after the worker
  added that job (hand-over.ts): from then on the webhook receiver promotes the job for
  each webhook (webhook-record-2.lua). A webhook that arrived between the worker's read of
  the record and this call is answered here, so the worker promotes the job at once
  instead of leaving it to its first poll.

  Input:
    KEYS[1] outcome key (hash)

    ARGV[1] the status job's id
    ARGV[2] time to live in seconds

  Output:
    the number of webhooks recorded for the publish so far (0: none yet)
]]
local rcall = redis.call

rcall("HSET", KEYS[1], "watcher", ARGV[1])
rcall("EXPIRE", KEYS[1], tonumber(ARGV[2]))
return tonumber(rcall("HGET", KEYS[1], "v") or 0)

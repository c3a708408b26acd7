--[[
  Whether each of many jobs of one queue can still run without anyone's help, in one call:
  the reconciler's batched read (BullMQ's getState is one script per job). A job in the
  delayed set is live (most open posts wait there: scheduled, or held by a daily cap, so it
  is asked first); one whose hash is gone is missing; one in the completed or failed set is
  done; any other (waiting, active, prioritized, waiting for children) is live.

  Input:
    KEYS[1] the queue's key prefix ("<prefix>:<queue>:", BullMQ's job hashes are under it)
    KEYS[2] the queue's completed set
    KEYS[3] the queue's failed set
    KEYS[4] the queue's delayed set

    ARGV    the job ids

  Output:
    one number per job id, in order: 0 missing, 1 live, 2 completed, 3 failed
]]
local rcall = redis.call
local out = {}
for i = 1, #ARGV do
  local id = ARGV[i]
  if rcall("ZSCORE", KEYS[4], id) then
    out[i] = 1
  elseif rcall("EXISTS", KEYS[1] .. id) == 0 then
    out[i] = 0
  elseif rcall("ZSCORE", KEYS[2], id) then
    out[i] = 2
  elseif rcall("ZSCORE", KEYS[3], id) then
    out[i] = 3
  else
    out[i] = 1
  end
end
return out

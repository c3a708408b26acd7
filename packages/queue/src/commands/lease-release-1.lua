--[[
  Gives a lease back, only for the holder that took it (compare and delete), so a holder
  whose lease expired can never delete the lease of the next one.

  Input:
    KEYS[1] lease key

    ARGV[1] "<fence>:<token>" of the caller

  Output:
    1 if the lease was released, 0 if the caller no longer held it.
]]
local rcall = redis.call

if rcall("GET", KEYS[1]) == ARGV[1] then
  return rcall("DEL", KEYS[1])
end
return 0

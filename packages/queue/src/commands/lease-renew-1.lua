--[[
  Extends a lease, only for the holder that took it (same token and same fence).

  Input:
    KEYS[1] lease key

    ARGV[1] "<fence>:<token>" of the caller
    ARGV[2] time to live in milliseconds

  Output:
    1 if the lease was extended, 0 if the caller no longer holds it.
]]
local rcall = redis.call

if rcall("GET", KEYS[1]) == ARGV[1] then
  rcall("PEXPIRE", KEYS[1], ARGV[2])
  return 1
end
return 0

--[[
  Gives a lease back, only for the holder that took it (as lease-release-1.lua), and takes
  one member of a set of waiters in the same round trip: the holder's release and the wake of
  the next waiting job are one command instead of two.

  Input:
    KEYS[1] lease key
    KEYS[2] waiters set

    ARGV[1] "<fence>:<token>" of the caller

  Output:
    { 1 if the lease was released else 0, a waiter taken from the set or false }
]]
local rcall = redis.call

local released = 0
if rcall("GET", KEYS[1]) == ARGV[1] then
  released = rcall("DEL", KEYS[1])
end
return { released, rcall("SPOP", KEYS[2]) }

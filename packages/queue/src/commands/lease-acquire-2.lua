--[[
  Takes a lease: a lock with a time to live, held by one token at a time.

  A new holder gets a fencing number larger than any given before for this resource. The
  same token may take its lease again (a retried job reclaiming what its crashed attempt
  left); it then gets a new fence, so the earlier attempt can no longer renew and any
  write it still makes with the old fence is refused by storage.

  Input:
    KEYS[1] lease key   (string "<fence>:<token>", expires)
    KEYS[2] fence key   (counter; never expires, so fences never go back)

    ARGV[1] token
    ARGV[2] time to live in milliseconds

  Output:
    { 1, fence }                       the caller holds the lease
    { 0, holderToken, remainingMs }    another token holds it
]]
local rcall = redis.call

local current = rcall("GET", KEYS[1])
if current then
  local holder = string.match(current, "^%d+:(.*)$") or current
  if holder ~= ARGV[1] then
    return { 0, holder, rcall("PTTL", KEYS[1]) }
  end
end

local fence = rcall("INCR", KEYS[2])
rcall("SET", KEYS[1], fence .. ":" .. ARGV[1], "PX", ARGV[2])
return { 1, fence }

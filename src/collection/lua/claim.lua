--[[
  Leases up to N of a queue's highest-priority contactable items to one collector.

  KEYS[1] queue ready set   (score = priority)
  KEYS[2] queue waiting set (score = not-before, epoch ms)
  KEYS[3] queue leased set  (score = lease expiry, epoch ms)

  ARGV[1] account key prefix (keys.accountPrefix; same hash tag as KEYS)
  ARGV[2] now, epoch ms
  ARGV[3] N, items wanted
  ARGV[4] collector id
  ARGV[5] lease expiry, epoch ms
  ARGV[6] most items moved per step (bounds the script's run time)

  Before popping: expired leases go back to ready with their priority, their holder kept in
  `lapsedBy` (a late outcome from them is accepted until someone else claims the item); waiting items whose time
  has come move to ready at their wake priority (wp). A paused promise-to-pay that wakes was
  broken (a payment would have resolved the account): its broken count goes up, and its wp was
  computed with that count by the caller when it paused the item.

  Output: flat array { id1, fields1, id2, fields2, ... }, fieldsN being HGETALL of the account.
  The time-of-day and ledger rules are re-checked by the caller, which releases what fails.
]]
local ready, waiting, leased = KEYS[1], KEYS[2], KEYS[3]
local ap, now, n = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local collector, leaseUntil, limit = ARGV[4], ARGV[5], tonumber(ARGV[6])

for _, id in ipairs(redis.call('ZRANGEBYSCORE', leased, '-inf', now, 'LIMIT', 0, limit)) do
  local acct = ap .. id
  redis.call('ZREM', leased, id)
  local holder = redis.call('HGET', acct, 'leasedBy')
  redis.call('HDEL', acct, 'leasedBy', 'leaseUntil')
  redis.call('HSET', acct, 'state', 'queued')
  if holder then redis.call('HSET', acct, 'lapsedBy', holder) end
  redis.call('ZADD', ready, redis.call('HGET', acct, 'pr') or 0, id)
end

for _, id in ipairs(redis.call('ZRANGEBYSCORE', waiting, '-inf', now, 'LIMIT', 0, limit)) do
  local acct = ap .. id
  redis.call('ZREM', waiting, id)
  local s = redis.call('HMGET', acct, 'state', 'promise', 'wp')
  if s[1] == 'paused' and s[2] then
    redis.call('HINCRBY', acct, 'broken', 1)
    redis.call('HDEL', acct, 'promise')
  end
  local wp = s[3] or '0'
  redis.call('HSET', acct, 'state', 'queued', 'pr', wp)
  redis.call('ZADD', ready, wp, id)
end

local out = {}
if n <= 0 then return out end
local popped = redis.call('ZPOPMAX', ready, n)
for i = 1, #popped, 2 do
  local id = popped[i]
  local acct = ap .. id
  redis.call('HDEL', acct, 'lapsedBy')
  redis.call('HSET', acct, 'state', 'leased', 'leasedBy', collector, 'leaseUntil', leaseUntil)
  redis.call('ZADD', leased, leaseUntil, id)
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGETALL', acct)
end
return out

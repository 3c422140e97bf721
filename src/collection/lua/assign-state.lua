--[[
  Reads what assigning needs to know of a batch of accounts, in one call instead of two commands
  per account. Read-only.

  KEYS[2i-1], KEYS[2i]  account i's hash and contact ledger (i = 1..n)
  ARGV[1]               oldest ledger score to read (now - retention), epoch ms

  Output: per account, in order, five values: cease, dispute, broken, lastContactAt (nil when
  unset) and the ledger members scored from ARGV[1] on, oldest first.
]]
local out = {}
local from = ARGV[1]
for i = 1, #KEYS / 2 do
  local h = redis.call('HMGET', KEYS[2 * i - 1], 'cease', 'dispute', 'broken', 'lastContactAt')
  local o = 5 * (i - 1)
  out[o + 1] = h[1]
  out[o + 2] = h[2]
  out[o + 3] = h[3]
  out[o + 4] = h[4]
  out[o + 5] = redis.call('ZRANGEBYSCORE', KEYS[2 * i], from, '+inf')
end
return out

--[[
  Gives back a leased item that the compliance gate refused at claim time.

  KEYS[1] account hash
  KEYS[2] account history list
  KEYS[3] audit stream

  ARGV[1] worklist prefix (keys.worklistPrefix; same hash tag as KEYS)
  ARGV[2] account id
  ARGV[3] collector id (must hold the lease)
  ARGV[4] not-before, epoch ms, or '' when only clearing a flag can unblock it
  ARGV[5] now, epoch ms
  ARGV[6] audit entry JSON: flat { field = value }
  ARGV[7] history entry JSON
  ARGV[8] history cap

  Output: 1 released, 0 the collector does not hold the lease
]]
local acct, hist, audit = KEYS[1], KEYS[2], KEYS[3]
local wl, id, collector, nb = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local s = redis.call('HMGET', acct, 'leasedBy', 'queue', 'pr')
if s[1] ~= collector then return 0 end
local q = s[2]
redis.call('ZREM', wl .. q .. ':leased', id)
redis.call('HDEL', acct, 'leasedBy', 'leaseUntil')
if nb == '' then
  redis.call('HSET', acct, 'state', 'blocked')
else
  redis.call('HSET', acct, 'state', 'queued', 'nb', nb, 'wp', s[3] or '0')
  redis.call('ZADD', wl .. q .. ':waiting', nb, id)
end
local e = cjson.decode(ARGV[6])
local ef = {}
for k, v in pairs(e) do ef[#ef + 1] = k; ef[#ef + 1] = tostring(v) end
redis.call('XADD', audit, 'MAXLEN', '~', '1000000', '*', unpack(ef))
redis.call('LPUSH', hist, ARGV[7])
redis.call('LTRIM', hist, 0, tonumber(ARGV[8]) - 1)
return 1

--[[
  Records a collector's outcome for a leased item and moves the account to its next state.

  KEYS[1] account hash
  KEYS[2] account history list
  KEYS[3] account contact ledger (sorted set, score = epoch ms)
  KEYS[4] outcome stream

  ARGV[1] worklist prefix (keys.worklistPrefix; same hash tag as KEYS)
  ARGV[2] account id
  ARGV[3] collector id (must hold the lease, expired or not, unless someone else claimed it since:
          an expired lease that a claim put back on the queue keeps its holder in `lapsedBy`)
  ARGV[4] now, epoch ms
  ARGV[5] transition JSON: { state = 'queued'|'paused'|'blocked'|'resolved', nb, wp,
          set = { flat fields }, del = { field names } }
  ARGV[6] ledger entries JSON: { { score, member }, ... }
  ARGV[7] ledger retention, ms (older entries are trimmed)
  ARGV[8] outcome stream entry JSON: flat { field = value }
  ARGV[9] history entry JSON
  ARGV[10] history cap

  A refused outcome still writes its ledger entries: the contact happened, and the compliance caps
  (e.g. 7 call attempts in 7 days) must count it.

  Output: 1 recorded, 0 the collector does not hold the lease (ledger written), -1 no such account
]]
local acct, hist, ledger, stream = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local wl, id, collector, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local s = redis.call('HMGET', acct, 'leasedBy', 'queue', 'state', 'lapsedBy')
if not s[2] then return -1 end

for _, e in ipairs(cjson.decode(ARGV[6])) do redis.call('ZADD', ledger, e[1], e[2]) end
redis.call('ZREMRANGEBYSCORE', ledger, '-inf', now - tonumber(ARGV[7]))
redis.call('PEXPIRE', ledger, ARGV[7])

local held = (s[3] == 'leased' and s[1] == collector) or (s[3] == 'queued' and s[4] == collector)
if not held then return 0 end
local q = s[2]
local t = cjson.decode(ARGV[5])

redis.call('ZREM', wl .. q .. ':leased', id)
redis.call('ZREM', wl .. q .. ':ready', id)
redis.call('ZREM', wl .. q .. ':waiting', id)
redis.call('HDEL', acct, 'leasedBy', 'leaseUntil', 'lapsedBy')
for _, k in ipairs(t.del) do redis.call('HDEL', acct, k) end
local f = { 'state', t.state, 'updatedAt', now }
for k, v in pairs(t.set) do f[#f + 1] = k; f[#f + 1] = tostring(v) end
redis.call('HSET', acct, unpack(f))
if t.state == 'queued' or t.state == 'paused' then
  redis.call('HSET', acct, 'nb', t.nb, 'wp', t.wp)
  redis.call('ZADD', wl .. q .. ':waiting', t.nb, id)
end

local o = cjson.decode(ARGV[8])
local of = {}
for k, v in pairs(o) do of[#of + 1] = k; of[#of + 1] = tostring(v) end
redis.call('XADD', stream, 'MAXLEN', '~', '5000000', '*', unpack(of))
redis.call('LPUSH', hist, ARGV[9])
redis.call('LTRIM', hist, 0, tonumber(ARGV[10]) - 1)
return 1

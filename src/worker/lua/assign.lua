--[[
  Upserts one account's assignment from a scored snapshot, atomically and idempotently.

  KEYS[1] account hash
  KEYS[2] account history list
  KEYS[3] audit stream

  ARGV[1] worklist prefix (keys.worklistPrefix): the old and new queue's sets are
          prefix .. queue .. ':ready' | ':waiting' | ':leased' (same hash tag as KEYS)
  ARGV[2] now, epoch ms
  ARGV[3] assignment JSON, every number as a string: { asOf, queue, plan = 'queued'|'blocked'|'resolved',
          nb, pr, wp, wpPaused (wake priority if a promise pause is kept: one more broken promise),
          clearDispute, fields = { flat hash fields to set } }
  ARGV[4] audit entry JSON: flat { field = value } (the script adds state)
  ARGV[5] history cap

  Idempotency: the stored asOf. A snapshot with the same asOf is a duplicate, an older one is
  stale; neither changes anything.
  Sticky state: a cease or an unresolved dispute recorded by an outcome keeps the account blocked;
  a lease in progress is kept (moved to the new queue's leased set); a promise-to-pay pause is kept.

  Output: 'duplicate' | 'stale' | the final state ('queued'|'leased'|'paused'|'blocked'|'resolved')
]]
local acct, hist, audit = KEYS[1], KEYS[2], KEYS[3]
local wl, now = ARGV[1], tonumber(ARGV[2])
local a = cjson.decode(ARGV[3])
local id = a.fields.id

local old = redis.call('HMGET', acct, 'asOf', 'queue', 'state', 'leaseUntil', 'nb', 'cease', 'dispute')
if old[1] then
  if old[1] == a.asOf then return 'duplicate' end
  if old[1] > a.asOf then return 'stale' end
end

local oldQueue, oldState = old[2], old[3]
if oldQueue then
  redis.call('ZREM', wl .. oldQueue .. ':ready', id)
  redis.call('ZREM', wl .. oldQueue .. ':waiting', id)
  redis.call('ZREM', wl .. oldQueue .. ':leased', id)
end

local f = {}
for k, v in pairs(a.fields) do f[#f + 1] = k; f[#f + 1] = tostring(v) end
redis.call('HSET', acct, 'asOf', a.asOf, 'queue', a.queue, 'pr', a.pr, 'wp', a.wp, 'updatedAt', now, unpack(f))
if a.clearDispute then redis.call('HDEL', acct, 'dispute') end

local q = a.queue
local state
if old[6] == '1' or (old[7] == '1' and not a.clearDispute) then
  state = 'blocked'
elseif a.plan == 'resolved' then
  state = 'resolved'
elseif oldState == 'leased' and a.plan ~= 'blocked' then
  state = 'leased'
  redis.call('ZADD', wl .. q .. ':leased', old[4], id)
elseif oldState == 'paused' and a.plan ~= 'blocked' then
  state = 'paused'
  redis.call('HSET', acct, 'wp', a.wpPaused)
  redis.call('ZADD', wl .. q .. ':waiting', old[5], id)
elseif a.plan == 'blocked' then
  state = 'blocked'
elseif tonumber(a.nb) <= now then
  state = 'queued'
  redis.call('HSET', acct, 'nb', a.nb)
  redis.call('ZADD', wl .. q .. ':ready', a.pr, id)
else
  state = 'queued'
  redis.call('HSET', acct, 'nb', a.nb)
  redis.call('ZADD', wl .. q .. ':waiting', a.nb, id)
end
if state ~= 'leased' then redis.call('HDEL', acct, 'leasedBy', 'leaseUntil') end
redis.call('HSET', acct, 'state', state)

local e = cjson.decode(ARGV[4])
local ef = { 'state', state }
for k, v in pairs(e) do ef[#ef + 1] = k; ef[#ef + 1] = tostring(v) end
redis.call('XADD', audit, 'MAXLEN', '~', '1000000', '*', unpack(ef))
redis.call('LPUSH', hist, cjson.encode({ at = now, event = 'assigned', asOf = a.asOf, queue = q, state = state, channel = a.fields.channel, variant = a.fields.variant, pd = a.fields.pd }))
redis.call('LTRIM', hist, 0, tonumber(ARGV[5]) - 1)
return state

--[[
  Upserts a batch of accounts' assignments from scored snapshots. Each item is atomic and
  idempotent on its own (the whole batch runs as one script, so it is atomic too); the caller keeps
  batches small (StoreOptions.assignBatch) so that one call holds Redis for a millisecond or two.

  KEYS[1]               audit stream
  KEYS[2i], KEYS[2i+1]  item i's account hash and history list (i = 1..n)

  ARGV[1] worklist prefix (keys.worklistPrefix): the old and new queue's sets are
          prefix .. queue .. ':ready' | ':waiting' | ':leased' (same hash tag as KEYS)
  ARGV[2] now, epoch ms
  ARGV[3] history cap
  then the layout, once per call (field names travel once, not once per item):
    nf, then nf names of the hash fields each item supplies (channel, variant and pd among them,
        for the history entry)
    na, then na names of the audit fields each item supplies
    nc, then nc field/value pairs set on every item's hash (model, policy...)
    nd, then nd field/value pairs added to every item's audit entry (at, event, model, policy...)
  then, per item, in KEYS order:
    id, asOf, queue, plan ('queued'|'blocked'|'resolved'), nb, pr,
    wpPaused (wake priority if a promise pause is kept: one more broken promise),
    clearDispute ('1'|'0'), then its nf hash values, then its na audit values

  The hash gets asOf, queue, pr, wp, updatedAt, state, id, nb (when queued) and the fields above;
  the audit entry gets state, accountId, asOf and the fields above.

  Idempotency: the stored asOf. A snapshot with the same asOf is a duplicate, an older one is
  stale; neither changes anything.
  Sticky state: a cease or an unresolved dispute recorded by an outcome keeps the account blocked;
  a lease in progress is kept (moved to the new queue's leased set); a promise-to-pay pause is kept.

  Output: one per item, in order: 'duplicate' | 'stale' | the final state
  ('queued'|'leased'|'paused'|'blocked'|'resolved')
]]
local audit = KEYS[1]
local wl, now, cap = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])

local j = 4
local function names()
  local n = tonumber(ARGV[j])
  local t = {}
  for i = 1, n do t[i] = ARGV[j + i] end
  j = j + n + 1
  return t, n
end
local function pairList()
  local n = 2 * tonumber(ARGV[j])
  local t = {}
  for i = 1, n do t[i] = ARGV[j + i] end
  j = j + n + 1
  return t, n
end
local fNames, nf = names()
local aNames, na = names()
local hCommon, nc = pairList()
local aCommon, nd = pairList()
local iChannel, iVariant, iPd
for i = 1, nf do
  if fNames[i] == 'channel' then iChannel = i elseif fNames[i] == 'variant' then iVariant = i elseif fNames[i] == 'pd' then iPd = i end
end

local out = {}
for i = 1, (#KEYS - 1) / 2 do
  local acct, hist = KEYS[2 * i], KEYS[2 * i + 1]
  local id, asOf, q, plan, nb, pr, wpPaused = ARGV[j], ARGV[j + 1], ARGV[j + 2], ARGV[j + 3], ARGV[j + 4], ARGV[j + 5], ARGV[j + 6]
  local clearDispute = ARGV[j + 7] == '1'
  local f0 = j + 7
  local a0 = f0 + nf
  j = a0 + na + 1

  local old = redis.call('HMGET', acct, 'asOf', 'queue', 'state', 'leaseUntil', 'nb', 'cease', 'dispute')
  local state
  if old[1] and old[1] == asOf then
    state = 'duplicate'
  elseif old[1] and old[1] > asOf then
    state = 'stale'
  else
    local oldQueue, oldState = old[2], old[3]
    if oldQueue then
      redis.call('ZREM', wl .. oldQueue .. ':ready', id)
      redis.call('ZREM', wl .. oldQueue .. ':waiting', id)
      redis.call('ZREM', wl .. oldQueue .. ':leased', id)
    end
    if old[6] == '1' or (old[7] == '1' and not clearDispute) then
      state = 'blocked'
    elseif plan == 'resolved' then
      state = 'resolved'
    elseif oldState == 'leased' and plan ~= 'blocked' then
      state = 'leased'
      redis.call('ZADD', wl .. q .. ':leased', old[4], id)
    elseif oldState == 'paused' and plan ~= 'blocked' then
      state = 'paused'
      redis.call('ZADD', wl .. q .. ':waiting', old[5], id)
    elseif plan == 'blocked' then
      state = 'blocked'
    else
      state = 'queued'
      if tonumber(nb) <= now then
        redis.call('ZADD', wl .. q .. ':ready', pr, id)
      else
        redis.call('ZADD', wl .. q .. ':waiting', nb, id)
      end
    end

    local wp = pr
    if state == 'paused' then wp = wpPaused end
    local h = { 'asOf', asOf, 'queue', q, 'pr', pr, 'wp', wp, 'updatedAt', now, 'state', state, 'id', id }
    local n = 14
    if state == 'queued' then h[15] = 'nb'; h[16] = nb; n = 16 end
    for c = 1, nc do h[n + c] = hCommon[c] end
    n = n + nc
    for f = 1, nf do h[n + 2 * f - 1] = fNames[f]; h[n + 2 * f] = ARGV[f0 + f] end
    redis.call('HSET', acct, unpack(h))
    if old[1] or oldQueue or oldState then
      if clearDispute and state ~= 'leased' then
        redis.call('HDEL', acct, 'dispute', 'leasedBy', 'leaseUntil')
      elseif clearDispute then
        redis.call('HDEL', acct, 'dispute')
      elseif state ~= 'leased' then
        redis.call('HDEL', acct, 'leasedBy', 'leaseUntil')
      end
    end

    local e = { 'state', state, 'accountId', id, 'asOf', asOf }
    for c = 1, nd do e[6 + c] = aCommon[c] end
    n = 6 + nd
    for f = 1, na do e[n + 2 * f - 1] = aNames[f]; e[n + 2 * f] = ARGV[a0 + f] end
    redis.call('XADD', audit, 'MAXLEN', '~', '1000000', '*', unpack(e))
    local entry = { at = now, event = 'assigned', asOf = asOf, queue = q, state = state }
    if iChannel then entry.channel = ARGV[f0 + iChannel] end
    if iVariant then entry.variant = ARGV[f0 + iVariant] end
    if iPd then entry.pd = ARGV[f0 + iPd] end
    if redis.call('LPUSH', hist, cjson.encode(entry)) > cap then redis.call('LTRIM', hist, 0, cap - 1) end
  end
  out[i] = state
end
return out

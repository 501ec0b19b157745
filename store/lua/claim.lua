-- claim: moves up to N jobs from the top of a ready stack (LIFO) onto a
-- worker's in-flight list and marks them running, in one atomic step, so a
-- delivery is never only in memory.
-- KEYS[1] -> queue's ready list  KEYS[2] -> worker's in-flight list
-- KEYS[3] -> queue's counts hash
-- ARGV[1] -> max jobs  ARGV[2] -> worker id  ARGV[3] -> now (unix us)
-- ARGV[4] -> job key prefix
-- Returns a flat array, 5 entries per job: id, type, payload, attempts
-- (after this delivery), timeout_ms.
local out = {}
local claimed = 0
for _ = 1, tonumber(ARGV[1]) do
  local id = redis.call('LMOVE', KEYS[1], KEYS[2], 'LEFT', 'LEFT')
  if not id then
    break
  end
  local job = ARGV[4] .. id
  local f = redis.call('HMGET', job, 'status', 'type', 'payload', 'timeout_ms')
  if f[1] == 'queued' then
    local attempts = redis.call('HINCRBY', job, 'attempts', 1)
    redis.call('HSET', job, 'status', 'running', 'worker', ARGV[2],
               'started_at', ARGV[3], 'updated_at', ARGV[3])
    out[#out + 1] = id
    out[#out + 1] = f[2]
    out[#out + 1] = f[3]
    out[#out + 1] = tostring(attempts)
    out[#out + 1] = f[4]
    claimed = claimed + 1
  else
    -- Not deliverable (record gone or state changed): drop the stray id.
    redis.call('LREM', KEYS[2], 1, id)
  end
end
if claimed > 0 then
  redis.call('HINCRBY', KEYS[3], 'queued', -claimed)
  redis.call('HINCRBY', KEYS[3], 'running', claimed)
end
return out

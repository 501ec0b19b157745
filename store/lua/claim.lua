-- claim: moves up to N jobs from the top of a ready stack (LIFO) onto a
-- worker's in-flight list and marks them running, in one atomic step, so a
-- delivery is never only in memory and a cancel cannot slip in between.
-- ARGV[1] -> prefix  ARGV[2] -> queue  ARGV[3] -> max jobs
-- ARGV[4] -> worker id  ARGV[5] -> now (unix us)  ARGV[6] -> now (unix ms)
-- ARGV[7] -> lease grace (ms): a lease ends at now + timeout_ms + grace
-- ARGV[8] -> deadline (unix ms): a claim reaching Redis later (Redis was
--   frozen) claims nothing, since the broker gave up waiting for it
-- Returns a flat array, 8 entries per job: id, type, payload, attempts
-- (after this delivery), timeout_ms, request_id, created_at, run_at (the
-- last two for the queue wait time; '' when unset).
local queue, worker, now = ARGV[2], ARGV[4], ARGV[5]
local out = {}
if too_late(ARGV[8]) then
  return out
end
for _ = 1, tonumber(ARGV[3]) do
  local id = redis.call('LMOVE', queue_key(queue, 'ready'),
                        inflight_key(worker), 'LEFT', 'LEFT')
  if not id then
    break
  end
  local job = job_key(id)
  local f = redis.call('HMGET', job, 'status', 'type', 'payload', 'timeout_ms',
                       'request_id', 'created_at', 'run_at', 'attempts')
  if f[1] == 'queued' then
    local attempts = (tonumber(f[8]) or 0) + 1
    redis.call('HSET', job, 'status', 'running', 'worker', worker,
               'started_at', now, 'updated_at', now, 'attempts', attempts)
    enter_status(queue, id, 'running', now)
    redis.call('ZADD', leases_key,
               tonumber(ARGV[6]) + tonumber(f[4]) + tonumber(ARGV[7]), id)
    out[#out + 1] = id
    out[#out + 1] = f[2]
    out[#out + 1] = f[3]
    out[#out + 1] = tostring(attempts)
    out[#out + 1] = f[4]
    out[#out + 1] = f[5] or ''
    out[#out + 1] = f[6] or ''
    out[#out + 1] = f[7] or ''
  else
    -- Not deliverable (record gone or state changed): drop the stray id.
    redis.call('LREM', inflight_key(worker), 1, id)
  end
end
return out

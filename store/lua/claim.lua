-- claim: moves up to N jobs from the tops of ready stacks (LIFO), trying the
-- worker's queues in order, onto its in-flight list and marks them running,
-- in one atomic step, so a delivery is never only in memory and a cancel
-- cannot slip in between. The ids claimed are also kept under a claim
-- token until the next claim on the same connection: if this reply is lost
-- (Redis froze after running it), the store hands exactly these jobs back
-- instead of leaving them to their leases.
-- ARGV[1] -> prefix  ARGV[2] -> max jobs  ARGV[3] -> worker id
-- ARGV[4] -> now (unix us)  ARGV[5] -> now (unix ms)
-- ARGV[6] -> lease grace (ms): a lease ends at now + timeout_ms + grace
-- ARGV[7] -> deadline (unix ms): a claim reaching Redis later (Redis was
--   frozen) claims nothing, since the broker gave up waiting for it
-- ARGV[8] -> this claim's token  ARGV[9] -> the previous claim's token, whose
--   record can go ('' for none)  ARGV[10..] -> queues, in order
-- Returns a flat array, 9 entries per job: id, queue, type, payload,
-- attempts (after this delivery), timeout_ms, request_id, created_at,
-- run_at (the last two for the queue wait time; '' when unset).
local max, worker, now = tonumber(ARGV[2]), ARGV[3], ARGV[4]
local out = {}
if too_late(ARGV[7]) then
  return out
end
if ARGV[9] ~= '' then
  redis.call('DEL', P .. 'claim:' .. ARGV[9])
end
local claimed = {}

-- Claims the top job of `queue`; false when its stack is empty.
local function claim_one(queue)
  local id = redis.call('LMOVE', queue_key(queue, 'ready'),
                        inflight_key(worker), 'LEFT', 'LEFT')
  if not id then
    return false
  end
  local job = job_key(id)
  local f = redis.call('HMGET', job, 'status', 'type', 'payload', 'timeout_ms',
                       'request_id', 'created_at', 'run_at', 'attempts')
  if f[1] ~= 'queued' then
    -- Not deliverable (record gone or state changed): drop the stray id.
    redis.call('LREM', inflight_key(worker), 1, id)
    return true
  end
  local attempts = (tonumber(f[8]) or 0) + 1
  redis.call('HSET', job, 'status', 'running', 'worker', worker,
             'started_at', now, 'updated_at', now, 'attempts', attempts)
  enter_status(queue, id, 'running', now)
  redis.call('ZADD', leases_key,
             tonumber(ARGV[5]) + tonumber(f[4]) + tonumber(ARGV[6]), id)
  claimed[#claimed + 1] = id
  local n = #out
  out[n + 1], out[n + 2], out[n + 3] = id, queue, f[2]
  out[n + 4], out[n + 5], out[n + 6] = f[3], tostring(attempts), f[4]
  out[n + 7], out[n + 8], out[n + 9] = f[5] or '', f[6] or '', f[7] or ''
  return true
end

for q = 10, #ARGV do
  local queue = ARGV[q]
  while #claimed < max and claim_one(queue) do
  end
end
if #claimed > 0 then
  redis.call('SET', P .. 'claim:' .. ARGV[8], table.concat(claimed, ','), 'EX',
             600)
end
return out

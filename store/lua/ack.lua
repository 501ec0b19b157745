-- ack: applies the outcomes of many attempts of one worker in one call (one
-- script call per batch, not per job, is most of what an ack costs Redis).
-- Each outcome is applied only if its attempt still counts: a stale ack
-- (the job was taken back from this worker, or it is an old attempt)
-- changes nothing.
-- ARGV[1] -> prefix  ARGV[2] -> worker id  ARGV[3] -> now (unix us)
-- ARGV[4] -> retention of finished jobs (s)  ARGV[5] -> number of outcomes,
-- then 7 values per outcome: job id, attempt, '1' succeeded / '0' failed,
--   '1' retryable failure, result JSON or error text, retry at (unix ms),
--   retry at (unix us)
-- Returns one code per outcome: 0 stale, else what became of the job:
-- 1 succeeded, 2 retry (scheduled again), 3 dead.
local worker, now, retention = ARGV[2], ARGV[3], ARGV[4]
local per_outcome = 7

local function apply(b)
  local id, attempt = ARGV[b], ARGV[b + 1]
  local job = job_key(id)
  local f = redis.call('HMGET', job, 'status', 'worker', 'attempts',
                       'max_attempts', 'queue')
  if f[1] ~= 'running' or f[2] ~= worker or f[3] ~= attempt then
    return 0
  end
  if redis.call('LREM', inflight_key(worker), 1, id) == 0 then
    return 0
  end
  local queue, text = f[5], ARGV[b + 4]
  leave_status(queue, id, 'running')
  if ARGV[b + 2] == '1' then
    redis.call('HSET', job, 'result', text)
    finish_job(queue, id, 'succeeded', now, retention)
    return 1
  elseif ARGV[b + 3] == '1' and tonumber(f[3]) < tonumber(f[4]) then
    redis.call('HSET', job, 'status', 'scheduled', 'last_error', text,
               'run_at', ARGV[b + 6], 'updated_at', now)
    enter_status(queue, id, 'scheduled', ARGV[b + 5])
    return 2
  else
    redis.call('HSET', job, 'last_error', text)
    finish_job(queue, id, 'dead', now, retention)
    return 3
  end
end

local codes = {}
for i = 0, tonumber(ARGV[5]) - 1 do
  codes[#codes + 1] = apply(6 + i * per_outcome)
end
return codes

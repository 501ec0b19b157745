-- ack: applies the outcome of one attempt, if that attempt still counts.
-- A stale ack (the job was taken back from this worker, or this is an old
-- attempt) changes nothing.
-- ARGV[1] -> prefix  ARGV[2] -> job id  ARGV[3] -> attempt
-- ARGV[4] -> worker id  ARGV[5] -> '1' succeeded / '0' failed
-- ARGV[6] -> '1' retryable failure  ARGV[7] -> result JSON or error text
-- ARGV[8] -> now (unix us)  ARGV[9] -> retry at (unix ms)
-- ARGV[10] -> retry at (unix us)  ARGV[11] -> retention of finished jobs (s)
-- Returns 0 if stale, else what became of the job: 1 succeeded, 2 retry
-- (scheduled again), 3 dead.
local id, worker, now = ARGV[2], ARGV[4], ARGV[8]
local job = job_key(id)
local f = redis.call('HMGET', job, 'status', 'worker', 'attempts',
                     'max_attempts', 'queue')
if f[1] ~= 'running' or f[2] ~= worker or f[3] ~= ARGV[3] then
  return 0
end
if redis.call('LREM', inflight_key(worker), 1, id) == 0 then
  return 0
end
local queue = f[5]
leave_status(queue, id, 'running')
if ARGV[5] == '1' then
  redis.call('HSET', job, 'result', ARGV[7])
  finish_job(queue, id, 'succeeded', now, ARGV[11])
  return 1
elseif ARGV[6] == '1' and tonumber(f[3]) < tonumber(f[4]) then
  redis.call('HSET', job, 'status', 'scheduled', 'last_error', ARGV[7],
             'run_at', ARGV[10], 'updated_at', now)
  enter_status(queue, id, 'scheduled', ARGV[9])
  return 2
else
  redis.call('HSET', job, 'last_error', ARGV[7])
  finish_job(queue, id, 'dead', now, ARGV[11])
  return 3
end

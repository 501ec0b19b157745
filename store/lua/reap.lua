-- reap: takes back running jobs whose lease ran out (no ack within
-- timeout_ms + grace, e.g. a handler hung on a live node). Each counts as
-- a failed attempt: retried after a backoff, or dead when none is left.
-- ARGV[1] -> prefix  ARGV[2] -> now (unix ms)  ARGV[3] -> max jobs
-- ARGV[4] -> now (unix us)  ARGV[5] -> retry at (unix ms)
-- ARGV[6] -> retry at (unix us)  ARGV[7] -> retention (s)
-- Returns the number of jobs taken back.
local now = ARGV[4]
local ids = redis.call('ZRANGEBYSCORE', leases_key, '-inf', ARGV[2], 'LIMIT',
                       0, tonumber(ARGV[3]))
local reaped = 0
for _, id in ipairs(ids) do
  redis.call('ZREM', leases_key, id)
  local job = job_key(id)
  local f = redis.call('HMGET', job, 'status', 'worker', 'attempts',
                       'max_attempts', 'queue', 'timeout_ms')
  if f[1] == 'running' then
    redis.call('LREM', inflight_key(f[2]), 1, id)
    leave_status(f[5], id, 'running')
    local why = 'attempt ' .. f[3] .. ' got no ack within timeout_ms (' ..
                f[6] .. ') plus grace from worker ' .. f[2]
    if tonumber(f[3]) < tonumber(f[4]) then
      redis.call('HSET', job, 'status', 'scheduled', 'last_error', why,
                 'run_at', ARGV[6], 'updated_at', now)
      enter_status(f[5], id, 'scheduled', ARGV[5])
    else
      redis.call('HSET', job, 'last_error', why)
      finish_job(f[5], id, 'dead', now, ARGV[7])
    end
    reaped = reaped + 1
  end
end
return reaped

-- retry: puts a dead or cancelled job back on top of its ready stack as a
-- fresh job (attempts 0, no result or error), and stops its expiry.
-- ARGV[1] -> prefix  ARGV[2] -> job id  ARGV[3] -> now (unix us)
-- ARGV[4] -> write deadline (unix ms)
-- Returns 'ok', 'not_found', 'too_late' (nothing written), or the status
-- that forbids the retry.
if too_late(ARGV[4]) then
  return 'too_late'
end
local id = ARGV[2]
local job = job_key(id)
local f = redis.call('HMGET', job, 'status', 'queue')
if not f[1] then
  return 'not_found'
end
if f[1] ~= 'dead' and f[1] ~= 'cancelled' then
  return f[1]
end
leave_status(f[2], id, f[1])
redis.call('HDEL', job, 'result', 'last_error', 'started_at', 'finished_at',
           'worker')
redis.call('HSET', job, 'status', 'queued', 'attempts', 0, 'updated_at',
           ARGV[3])
redis.call('PERSIST', job)
enter_status(f[2], id, 'queued')
return 'ok'

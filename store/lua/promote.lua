-- promote: moves scheduled jobs whose time has come onto the top of their
-- queue's ready stack (LIFO: a job enters the stack when it becomes due).
-- ARGV[1] -> prefix  ARGV[2] -> now (unix ms)  ARGV[3] -> max jobs
-- ARGV[4] -> now (unix us)
-- Returns the number of jobs promoted.
local ids = redis.call('ZRANGEBYSCORE', scheduled_key, '-inf', ARGV[2],
                       'LIMIT', 0, tonumber(ARGV[3]))
local promoted = 0
for _, id in ipairs(ids) do
  redis.call('ZREM', scheduled_key, id)
  local f = redis.call('HMGET', job_key(id), 'status', 'queue')
  if f[1] == 'scheduled' then
    leave_status(f[2], id, 'scheduled')
    redis.call('HSET', job_key(id), 'status', 'queued', 'updated_at', ARGV[4])
    enter_status(f[2], id, 'queued')
    promoted = promoted + 1
  end
end
return promoted

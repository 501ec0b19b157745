-- promote: moves scheduled jobs whose time has come onto the top of their
-- queue's ready stack (LIFO: a job enters the stack when it becomes due).
-- KEYS[1] -> scheduled zset
-- ARGV[1] -> now (unix ms)  ARGV[2] -> max jobs  ARGV[3] -> now (unix us)
-- ARGV[4] -> job key prefix  ARGV[5] -> queue key prefix
-- Returns the number of jobs promoted.
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0,
                       tonumber(ARGV[2]))
local promoted = 0
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  local job = ARGV[4] .. id
  local f = redis.call('HMGET', job, 'status', 'queue')
  if f[1] == 'scheduled' then
    redis.call('HSET', job, 'status', 'queued', 'updated_at', ARGV[3])
    redis.call('LPUSH', ARGV[5] .. f[2] .. ':ready', id)
    local counts = ARGV[5] .. f[2] .. ':counts'
    redis.call('HINCRBY', counts, 'scheduled', -1)
    redis.call('HINCRBY', counts, 'queued', 1)
    promoted = promoted + 1
  end
end
return promoted

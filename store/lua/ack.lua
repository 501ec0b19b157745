-- ack: applies the outcome of one attempt, if that attempt still counts.
-- A stale ack (the job was taken back from this worker, or this is an old
-- attempt) changes nothing.
-- KEYS[1] -> job hash  KEYS[2] -> worker's in-flight list
-- KEYS[3] -> scheduled zset
-- ARGV[1] -> job id  ARGV[2] -> attempt  ARGV[3] -> worker id
-- ARGV[4] -> '1' succeeded / '0' failed  ARGV[5] -> '1' retryable failure
-- ARGV[6] -> result JSON or error text  ARGV[7] -> now (unix us)
-- ARGV[8] -> retry at (unix ms)  ARGV[9] -> retry at (unix us)
-- ARGV[10] -> retention of finished jobs (s)  ARGV[11] -> queue key prefix
-- Returns 1 if applied, 0 if stale.
local job = KEYS[1]
local f = redis.call('HMGET', job, 'status', 'worker', 'attempts',
                     'max_attempts', 'queue')
if f[1] ~= 'running' or f[2] ~= ARGV[3] or f[3] ~= ARGV[2] then
  return 0
end
if redis.call('LREM', KEYS[2], 1, ARGV[1]) == 0 then
  return 0
end
local counts = ARGV[11] .. f[5] .. ':counts'
local now = ARGV[7]
redis.call('HINCRBY', counts, 'running', -1)
if ARGV[4] == '1' then
  redis.call('HSET', job, 'status', 'succeeded', 'result', ARGV[6],
             'finished_at', now, 'updated_at', now)
  redis.call('HINCRBY', counts, 'succeeded', 1)
elseif ARGV[5] == '1' and tonumber(f[3]) < tonumber(f[4]) then
  redis.call('HSET', job, 'status', 'scheduled', 'last_error', ARGV[6],
             'run_at', ARGV[9], 'updated_at', now)
  redis.call('ZADD', KEYS[3], ARGV[8], ARGV[1])
  redis.call('HINCRBY', counts, 'scheduled', 1)
  return 1
else
  redis.call('HSET', job, 'status', 'dead', 'last_error', ARGV[6],
             'finished_at', now, 'updated_at', now)
  redis.call('HINCRBY', counts, 'dead', 1)
end
redis.call('EXPIRE', job, ARGV[10])
return 1

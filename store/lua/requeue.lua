-- requeue: takes back the in-flight jobs of a worker node that died, hung,
-- or re-joined without them. Each goes back on TOP of its ready stack:
-- it is the oldest work in the system, and at the bottom of a LIFO stack
-- under steady load it could starve forever. A job whose last allowed
-- attempt was lost this way goes dead instead (a poison job must not kill
-- worker after worker).
-- KEYS[1] -> worker's in-flight list  KEYS[2] -> known-workers hash
-- ARGV[1] -> worker id  ARGV[2] -> now (unix us)  ARGV[3] -> job key prefix
-- ARGV[4] -> queue key prefix  ARGV[5] -> '1' to forget the worker
-- ARGV[6] -> retention of finished jobs (s)
-- ARGV[7..] -> ids the worker still holds (kept in flight)
-- Returns the number of jobs taken back.
local held = {}
for i = 7, #ARGV do
  held[ARGV[i]] = true
end
local now = ARGV[2]
local ids = redis.call('LRANGE', KEYS[1], 0, -1)
local taken = 0
-- Claims LMOVE each job from the top of the stack onto the head of this
-- list, so walking the list head first and pushing each back restores the
-- stack order the jobs had.
for i = 1, #ids do
  local id = ids[i]
  if not held[id] then
    redis.call('LREM', KEYS[1], 1, id)
    local job = ARGV[3] .. id
    local f = redis.call('HMGET', job, 'status', 'worker', 'attempts',
                         'max_attempts', 'queue')
    if f[1] == 'running' and f[2] == ARGV[1] then
      local counts = ARGV[4] .. f[5] .. ':counts'
      redis.call('HINCRBY', counts, 'running', -1)
      if tonumber(f[3]) >= tonumber(f[4]) then
        redis.call('HSET', job, 'status', 'dead', 'last_error',
                   'worker node lost during the last allowed attempt',
                   'finished_at', now, 'updated_at', now)
        redis.call('HINCRBY', counts, 'dead', 1)
        redis.call('EXPIRE', job, ARGV[6])
      else
        redis.call('HSET', job, 'status', 'queued', 'worker', '',
                   'updated_at', now)
        redis.call('LPUSH', ARGV[4] .. f[5] .. ':ready', id)
        redis.call('HINCRBY', counts, 'queued', 1)
      end
      taken = taken + 1
    end
  end
end
if ARGV[5] == '1' then
  redis.call('HDEL', KEYS[2], ARGV[1])
end
return taken

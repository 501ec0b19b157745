-- requeue: takes back the in-flight jobs of a worker node that died, hung,
-- or re-joined without them. Each goes back on TOP of its ready stack:
-- it is the oldest work in the system, and at the bottom of a LIFO stack
-- under steady load it could starve forever. A job whose last allowed
-- attempt was lost this way goes dead instead (a poison job must not kill
-- worker after worker).
-- ARGV[1] -> prefix  ARGV[2] -> worker id  ARGV[3] -> now (unix us)
-- ARGV[4] -> '1' to forget the worker  ARGV[5] -> retention (s)
-- ARGV[6] -> 'keep': ARGV[7..] are ids the worker still holds (kept in
--   flight), every other one is taken back; 'release': only ARGV[7..] are
--   taken back, handed back unfinished by a stopping worker, so that
--   attempt is not counted.
-- Returns the number of jobs taken back.
local worker, now = ARGV[2], ARGV[3]
local release = ARGV[6] == 'release'
local listed = {}
for i = 7, #ARGV do
  listed[ARGV[i]] = true
end
local ids = redis.call('LRANGE', inflight_key(worker), 0, -1)
local taken = 0
-- Claims LMOVE each job from the top of the stack onto the head of this
-- list, so walking the list head first and pushing each back restores the
-- stack order the jobs had.
for i = 1, #ids do
  local id = ids[i]
  if (listed[id] ~= nil) == release then
    redis.call('LREM', inflight_key(worker), 1, id)
    local job = job_key(id)
    local f = redis.call('HMGET', job, 'status', 'worker', 'attempts',
                         'max_attempts', 'queue')
    if f[1] == 'running' and f[2] == worker then
      local queue = f[5]
      leave_status(queue, id, 'running')
      if release then
        redis.call('HINCRBY', job, 'attempts', -1)
      end
      if not release and tonumber(f[3]) >= tonumber(f[4]) then
        redis.call('HSET', job, 'last_error',
                   'worker node lost during the last allowed attempt')
        finish_job(queue, id, 'dead', now, ARGV[5])
      else
        redis.call('HSET', job, 'status', 'queued', 'worker', '',
                   'updated_at', now)
        enter_status(queue, id, 'queued')
      end
      taken = taken + 1
    end
  end
end
if ARGV[4] == '1' then
  redis.call('HDEL', workers_key, worker)
end
return taken

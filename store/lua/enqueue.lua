-- enqueue: writes new jobs, all or none, each on top of its queue's ready
-- stack (queued) or into the scheduled set (scheduled). With an idempotency
-- key, a repeat within its TTL writes nothing and returns the first ids.
-- ARGV[1] -> prefix  ARGV[2] -> idempotency key or ''  ARGV[3] -> its TTL (s)
-- ARGV[4] -> write deadline (unix ms)
-- ARGV[5] -> number of jobs, then 13 values per job: id, queue, type,
--   payload, status, attempts, max_attempts, timeout_ms, created_at,
--   updated_at, run_at (unix us), run_at (unix ms), request_id
-- Returns {1} when written, {0, 'id,id,...'} for a repeat, {-1, id} when an
-- id exists already, {-2} past the deadline (nothing written).
if too_late(ARGV[4]) then
  return {-2}
end
local idem_key = ARGV[2]
if idem_key ~= '' then
  local first = redis.call('GET', P .. 'idem:' .. idem_key)
  if first then
    return {0, first}
  end
end
local n = tonumber(ARGV[5])
local per_job = 13
for i = 0, n - 1 do
  local id = ARGV[6 + i * per_job]
  if redis.call('EXISTS', job_key(id)) == 1 then
    return {-1, id}
  end
end
local ids = {}
for i = 0, n - 1 do
  local b = 6 + i * per_job
  local id, queue, status = ARGV[b], ARGV[b + 1], ARGV[b + 4]
  redis.call('HSET', job_key(id), 'id', id, 'queue', queue, 'type',
             ARGV[b + 2], 'payload', ARGV[b + 3], 'status', status,
             'attempts', ARGV[b + 5], 'max_attempts', ARGV[b + 6],
             'timeout_ms', ARGV[b + 7], 'created_at', ARGV[b + 8],
             'updated_at', ARGV[b + 9], 'run_at', ARGV[b + 10],
             'request_id', ARGV[b + 12])
  enter_status(queue, id, status, ARGV[b + 11])
  redis.call('ZADD', queue_key(queue, 'all'), ARGV[b + 8], id)
  redis.call('SADD', P .. 'queues', queue)
  ids[#ids + 1] = id
end
if idem_key ~= '' then
  redis.call('SET', P .. 'idem:' .. idem_key, table.concat(ids, ','), 'EX',
             ARGV[3])
end
return {1}

-- enqueue: writes the jobs of many create requests in one call (one script
-- call per batch of requests, not per job). Each request is all or none;
-- its jobs go on top of their queue's ready stack (queued) or into the
-- scheduled set (scheduled). With an idempotency key, a repeat within its
-- TTL writes nothing and returns the first ids (also a repeat later in the
-- same call: requests are applied in order).
-- ARGV[1] -> prefix  ARGV[2] -> idempotency TTL (s)
-- ARGV[3] -> write deadline (unix ms)  ARGV[4] -> number of requests,
-- then per request: idempotency key or '', number of jobs, and 13 values
--   per job: id, queue, type, payload, status, attempts, max_attempts,
--   timeout_ms, created_at, updated_at, run_at (unix us), run_at (unix
--   ms), request_id
-- Returns {-2} past the deadline (nothing written), else two entries per
-- request: 1, '' when written; 0, 'id,id,...' for a repeat; -1, id when an
-- id exists already (nothing of that request written).
if too_late(ARGV[3]) then
  return {-2}
end
local idem_ttl = ARGV[2]
local per_job = 13
local known_queues = {} -- SADDed in this call

-- The hash fields of the job whose values start at ARGV[j]. Fields at
-- their defaults are left out (id is in the key; attempts 0, run_at 0,
-- updated_at = created_at, no request id), which keeps a queued job's hash
-- in a smaller allocation: Redis memory per job is what a backlog costs.
local function job_fields(j)
  local fields = {'queue', ARGV[j + 1], 'type', ARGV[j + 2], 'payload',
                  ARGV[j + 3], 'status', ARGV[j + 4], 'max_attempts',
                  ARGV[j + 6], 'timeout_ms', ARGV[j + 7], 'created_at',
                  ARGV[j + 8]}
  local function optional(name, value, default)
    if value ~= default then
      fields[#fields + 1] = name
      fields[#fields + 1] = value
    end
  end
  optional('attempts', ARGV[j + 5], '0')
  optional('updated_at', ARGV[j + 9], ARGV[j + 8])
  optional('run_at', ARGV[j + 10], '0')
  optional('request_id', ARGV[j + 12], '')
  return fields
end

-- Writes the request whose first value is ARGV[b]; returns its two reply
-- entries and the index just past it.
local function write_request(b)
  local idem_key, n = ARGV[b], tonumber(ARGV[b + 1])
  local first, next_b = b + 2, b + 2 + n * per_job
  if idem_key ~= '' then
    local ids = redis.call('GET', P .. 'idem:' .. idem_key)
    if ids then
      return 0, ids, next_b
    end
  end
  for i = 0, n - 1 do
    local id = ARGV[first + i * per_job]
    if redis.call('EXISTS', job_key(id)) == 1 then
      return -1, id, next_b
    end
  end
  local ids = {}
  for i = 0, n - 1 do
    local j = first + i * per_job
    local id, queue, status = ARGV[j], ARGV[j + 1], ARGV[j + 4]
    redis.call('HSET', job_key(id), unpack(job_fields(j)))
    enter_status(queue, id, status, ARGV[j + 11])
    redis.call('ZADD', queue_key(queue, 'all'), ARGV[j + 8], id)
    if not known_queues[queue] then
      redis.call('SADD', P .. 'queues', queue)
      known_queues[queue] = true
    end
    ids[#ids + 1] = id
  end
  if idem_key ~= '' then
    redis.call('SET', P .. 'idem:' .. idem_key, table.concat(ids, ','), 'EX',
               idem_ttl)
  end
  return 1, '', next_b
end

local out = {}
local b = 5
for _ = 1, tonumber(ARGV[4]) do
  local code, detail
  code, detail, b = write_request(b)
  out[#out + 1] = code
  out[#out + 1] = detail
end
return out

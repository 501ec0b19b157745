-- Prelude of every jobstack script (prepended at build time): key names and
-- the moves of a job between the per-status indexes of its queue.
-- ARGV[1] of every script is the key prefix ("jobstack:"); the names below
-- must match store/redis_keys.hpp.
local P = ARGV[1]

local function job_key(id)
  return P .. 'job:' .. id
end

local function queue_key(queue, part)
  return P .. 'queue:' .. queue .. ':' .. part
end

local function inflight_key(worker)
  return P .. 'worker:' .. worker .. ':inflight'
end

local scheduled_key = P .. 'scheduled'
local leases_key = P .. 'leases'
local workers_key = P .. 'workers'

-- Takes `id` out of the index of `status` (queued: the ready stack).
local function leave_status(queue, id, status)
  if status == 'running' then
    redis.call('ZREM', leases_key, id)
  end
  if status == 'queued' then
    redis.call('LREM', queue_key(queue, 'ready'), 1, id)
  elseif status == 'scheduled' then
    redis.call('ZREM', queue_key(queue, 'scheduled'), id)
    redis.call('ZREM', scheduled_key, id)
  elseif status then
    redis.call('ZREM', queue_key(queue, status), id)
  end
end

-- Puts `id` into the index of `status`, ordered by `score` (queued: on top
-- of the ready stack; scheduled: score is run_at in unix ms).
local function enter_status(queue, id, status, score)
  if status == 'queued' then
    redis.call('LPUSH', queue_key(queue, 'ready'), id)
  elseif status == 'scheduled' then
    redis.call('ZADD', queue_key(queue, 'scheduled'), score, id)
    redis.call('ZADD', scheduled_key, score, id)
  else
    redis.call('ZADD', queue_key(queue, status), score, id)
  end
end

-- Refuses a write that reaches Redis after `deadline_ms` (unix ms): the
-- client was answered 503 by then (Redis was frozen, say), and API.md
-- promises that a 503 wrote nothing.
local function too_late(deadline_ms)
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    > tonumber(deadline_ms)
end

-- Ends a job: finished status, its time, its index, its expiry.
local function finish_job(queue, id, status, now_us, retention_s)
  redis.call('HSET', job_key(id), 'status', status, 'finished_at', now_us,
             'updated_at', now_us)
  enter_status(queue, id, status, now_us)
  redis.call('EXPIRE', job_key(id), retention_s)
end

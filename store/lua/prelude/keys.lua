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
-- The job-history archive: while archive_on_key exists (set by servers with
-- DB_HOSTNAME), a finished job waits in the backlog without an expiry until
-- the archiver has copied it into PostgreSQL.
local archive_key = P .. 'archive'
local archive_on_key = P .. 'archive:on'

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

-- Ends a job: finished status, its time, its index, and its expiry; or,
-- while archiving is on, a place in the archive backlog (scored by
-- finished_at) instead of the expiry, so it cannot expire unarchived.
local function finish_job(queue, id, status, now_us, retention_s)
  redis.call('HSET', job_key(id), 'status', status, 'finished_at', now_us,
             'updated_at', now_us)
  enter_status(queue, id, status, now_us)
  if redis.call('EXISTS', archive_on_key) == 1 then
    redis.call('ZADD', archive_key, now_us, id)
  else
    redis.call('EXPIRE', job_key(id), retention_s)
  end
end

-- Takes `id` off the archive backlog if it is still there for the version
-- that finished at `finished_at` (a job retried and finished again since
-- stays, for its new version), and gives that version the rest of its
-- retention as expiry. Returns 1 if taken off, else 0.
local function leave_archive_backlog(id, finished_at, now_us, retention_s)
  local score = redis.call('ZSCORE', archive_key, id)
  if not score or tonumber(score) ~= tonumber(finished_at) then
    return 0
  end
  redis.call('ZREM', archive_key, id)
  local f = redis.call('HMGET', job_key(id), 'status', 'finished_at')
  local finished = f[1] == 'succeeded' or f[1] == 'dead' or f[1] == 'cancelled'
  if finished and tonumber(f[2]) == tonumber(finished_at) then
    local left = math.floor((tonumber(finished_at) - tonumber(now_us)) / 1000000)
      + tonumber(retention_s)
    redis.call('EXPIRE', job_key(id), math.max(1, left))
  end
  return 1
end

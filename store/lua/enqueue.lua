-- enqueue: writes a new job and pushes it on top of its queue's ready stack.
-- KEYS[1] -> job hash           KEYS[2] -> queue's ready list
-- KEYS[3] -> queue's counts hash KEYS[4] -> set of queue names
-- ARGV[1] -> job id  ARGV[2] -> queue name  ARGV[3..] -> field, value, ...
-- Returns 1, or 0 if a job with this id exists (nothing written).
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('LPUSH', KEYS[2], ARGV[1])
redis.call('HINCRBY', KEYS[3], 'queued', 1)
redis.call('SADD', KEYS[4], ARGV[2])
return 1

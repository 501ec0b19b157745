-- expire: drops finished jobs whose retention ran out from their queue's
-- indexes (Redis expires the job hashes themselves), so lists and counts
-- agree with what GET can still read.
-- ARGV[1] -> prefix  ARGV[2] -> cutoff: finished before this (unix us)
-- ARGV[3] -> max ids per index and call
-- Returns the number of index entries dropped.
local dropped = 0
for _, queue in ipairs(redis.call('SMEMBERS', P .. 'queues')) do
  for _, status in ipairs({'succeeded', 'dead', 'cancelled'}) do
    local index = queue_key(queue, status)
    local ids = redis.call('ZRANGEBYSCORE', index, '-inf', ARGV[2], 'LIMIT',
                           0, tonumber(ARGV[3]))
    if #ids > 0 then
      redis.call('ZREM', index, unpack(ids))
      redis.call('ZREM', queue_key(queue, 'all'), unpack(ids))
      dropped = dropped + #ids
    end
  end
end
return dropped

-- archive_read: the oldest entries of the archive backlog (finished jobs
-- waiting to be copied into PostgreSQL), each with its job, in one atomic
-- step for the archiver.
-- ARGV[1] -> prefix  ARGV[2] -> most entries
-- Returns {backlog length, id, finished_at (the backlog score, unix us),
-- job fields (HGETALL; empty if the hash is gone), id, finished_at, ...}.
local out = {redis.call('ZCARD', archive_key)}
local entries = redis.call('ZRANGE', archive_key, 0, tonumber(ARGV[2]) - 1,
                           'WITHSCORES')
for i = 1, #entries, 2 do
  out[#out + 1] = entries[i]
  out[#out + 1] = entries[i + 1]
  out[#out + 1] = redis.call('HGETALL', job_key(entries[i]))
end
return out

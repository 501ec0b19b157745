-- withdraw: undoes enqueues whose outcome the server never learned (Redis
-- ran the script, then froze or the link broke before the reply came), so
-- the 503 the client got stays true: nothing was written. A job that was
-- delivered since (attempts > 0, or no longer queued/scheduled) is kept.
-- ARGV[1] -> prefix  ARGV[2] -> number of requests, then per request:
--   idempotency key or '', its job ids joined by ','
-- Returns {withdrawn, kept}.
local withdrawn, kept = 0, 0
local n = tonumber(ARGV[2])
for r = 0, n - 1 do
  local idem_key, joined = ARGV[3 + r * 2], ARGV[4 + r * 2]
  local kept_before = kept
  for id in string.gmatch(joined, '[^,]+') do
    local f = redis.call('HMGET', job_key(id), 'status', 'queue', 'attempts')
    if f[1] then
      if (f[1] == 'queued' or f[1] == 'scheduled')
          and (f[3] or '0') == '0' then
        leave_status(f[2], id, f[1])
        redis.call('ZREM', queue_key(f[2], 'all'), id)
        redis.call('DEL', job_key(id))
        withdrawn = withdrawn + 1
      else
        kept = kept + 1
      end
    end
  end
  if kept == kept_before and idem_key ~= ''
      and redis.call('GET', P .. 'idem:' .. idem_key) == joined then
    redis.call('DEL', P .. 'idem:' .. idem_key)
  end
end
return {withdrawn, kept}

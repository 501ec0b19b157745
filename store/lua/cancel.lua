-- cancel: ends a queued or scheduled job as cancelled, atomically, so a
-- cancel racing a claim either wins (the job is never delivered) or loses
-- (409: the job was delivered).
-- ARGV[1] -> prefix  ARGV[2] -> job id  ARGV[3] -> now (unix us)
-- ARGV[4] -> retention (s)  ARGV[5] -> write deadline (unix ms)
-- Returns 'ok', 'not_found', 'too_late' (nothing written), or the status
-- that forbids the cancel.
if too_late(ARGV[5]) then
  return 'too_late'
end
local id = ARGV[2]
local f = redis.call('HMGET', job_key(id), 'status', 'queue')
if not f[1] then
  return 'not_found'
end
if f[1] ~= 'queued' and f[1] ~= 'scheduled' then
  return f[1]
end
leave_status(f[2], id, f[1])
finish_job(f[2], id, 'cancelled', ARGV[3], ARGV[4])
return 'ok'

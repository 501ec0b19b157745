-- archive_off: run by servers without archiving. Ends archive mode and
-- empties what a previous configuration left in the archive backlog: each
-- finished job there gets the rest of its retention as expiry, as if it had
-- been archived.
-- ARGV[1] -> prefix  ARGV[2] -> now (unix us)  ARGV[3] -> retention (s)
-- ARGV[4] -> most entries per call
-- Returns how many entries were taken off.
redis.call('DEL', archive_on_key)
local entries = redis.call('ZRANGE', archive_key, 0, tonumber(ARGV[4]) - 1,
                           'WITHSCORES')
local taken = 0
for i = 1, #entries, 2 do
  taken = taken + leave_archive_backlog(entries[i], entries[i + 1], ARGV[2],
                                        ARGV[3])
end
return taken

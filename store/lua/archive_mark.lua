-- archive_mark: takes the jobs the archiver has written to PostgreSQL (or
-- had to skip) off the archive backlog; each finished job gets the rest of
-- its retention as expiry (at least 1 s).
-- ARGV[1] -> prefix  ARGV[2] -> now (unix us)  ARGV[3] -> retention (s)
-- ARGV[4], ARGV[5], ... -> id, finished_at (unix us) of each job
-- Returns how many entries were taken off.
local taken = 0
for i = 4, #ARGV - 1, 2 do
  taken = taken + leave_archive_backlog(ARGV[i], ARGV[i + 1], ARGV[2], ARGV[3])
end
return taken

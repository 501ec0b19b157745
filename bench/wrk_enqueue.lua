-- bench/wrk_enqueue.lua: wrk's load for figures 1 and 2 of bench/run.py.
-- Every request POSTs the same echo job (the payload BullMQ's jobs get too)
-- on a keep-alive connection:
--   WRK_BATCH unset: POST /v1/jobs        {"type":"echo","payload":{...}}
--   WRK_BATCH=N:     POST /v1/jobs/batch  {"jobs":[N such jobs]}
-- At the end it prints one line, "WRK_JSON {...}": requests, duration (us),
-- errors, and latency percentiles (us), which bench/run.py reads.
-- wrk counts an answer >= 400 as errors.status: run.py fails the figure on
-- any error, so every counted request is a 201.

local job = '{"type":"echo","payload":{"text":"benchmark payload","n":12345}}'
local batch = tonumber(os.getenv("WRK_BATCH") or "")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
if batch then
  local jobs = {}
  for i = 1, batch do
    jobs[i] = job
  end
  wrk.body = '{"jobs":[' .. table.concat(jobs, ",") .. ']}'
else
  wrk.body = job
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end

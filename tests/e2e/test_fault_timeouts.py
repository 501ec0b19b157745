#!/usr/bin/env python3
"""Per-attempt timeout and retry backoff (server CSC_BACKOFF_MS=200).
(1) A sleep job of 60 s with timeout_ms 300 and max_attempts 2 on a worker of
concurrency 1: each attempt is abandoned after 300 ms, the job ends dead
after 2 attempts within 10 s with last_error containing "timed out", and the
single slot is free at once (echo jobs posted meanwhile run in seconds).
(2) A flaky job failing its first 2 attempts ends succeeded with attempts 3;
each retry waited at least its backoff (200 ms, then 400 ms)."""

import time

import harness as h

BACKOFF_MS = 200
TIMEOUT_MS = 300
DEAD_WITHIN_S = 10.0
SLOT_FREE_S = 5.0


def seconds(a, b):
    return (h.parse_time(b) - h.parse_time(a)).total_seconds()


def timeout_case(server):
    t0 = time.monotonic()
    job_id = server.post_job({"type": "sleep", "payload": {"ms": 60000}, "timeout_ms": TIMEOUT_MS,
                              "max_attempts": 2})["id"]
    h.wait_job(server, job_id, ("running", "scheduled", "dead"), timeout=5, interval=0.02)

    # the only slot is busy with (or was just freed from) a 60 s sleep: other
    # jobs must still run within seconds
    echoes = [server.post_job({"type": "echo", "payload": {"n": i}})["id"] for i in range(3)]
    te = time.monotonic()
    server.wait_all_succeeded(echoes, timeout=SLOT_FREE_S, interval=0.05)
    h.log(f"3 echo jobs posted while the sleep job ran succeeded after {time.monotonic() - te:.2f}s")

    job = h.wait_job(server, job_id, ("dead", "succeeded", "cancelled"), timeout=DEAD_WITHIN_S, interval=0.05)
    took = time.monotonic() - t0
    h.log(f"sleep job ended {job['status']} after {took:.2f}s: attempts {job['attempts']}, "
          f"last_error {job['last_error']!r}")
    h.check(job["status"] == "dead", f"want the timed-out job dead, got {job}")
    h.check(job["attempts"] == 2, f"want 2 attempts, got {job['attempts']}: {job}")
    h.check(isinstance(job["last_error"], str) and "timed out" in job["last_error"].lower(),
            f"last_error {job['last_error']!r} does not contain 'timed out'")
    h.check(took <= DEAD_WITHIN_S, f"the job took {took:.2f}s to end dead; want <= {DEAD_WITHIN_S}s")
    span = seconds(job["created_at"], job["finished_at"])
    min_span = (2 * TIMEOUT_MS + BACKOFF_MS) / 1000 - 0.05
    h.check(span >= min_span, f"created_at -> finished_at {span:.3f}s: two attempts of {TIMEOUT_MS} ms and a "
            f"{BACKOFF_MS} ms backoff need >= {min_span:.2f}s")

    # the slot is free after the last timed-out attempt too
    after = server.post_job({"type": "echo", "payload": {"after": True}})["id"]
    t1 = time.monotonic()
    server.wait_all_succeeded([after], timeout=SLOT_FREE_S, interval=0.05)
    h.log(f"an echo job posted after the dead one succeeded after {time.monotonic() - t1:.2f}s")


def flaky_case(server):
    job_id = server.post_job({"type": "flaky", "payload": {"fail_times": 2}, "max_attempts": 3})["id"]
    seen = {}  # ("scheduled"|"running", attempts) -> the first snapshot in that state

    def poll():
        job = server.get_job(job_id)
        h.check(job["status"] not in ("dead", "cancelled"), f"the flaky job ended {job['status']}: {job}")
        seen.setdefault((job["status"], job["attempts"]), job)
        return job if job["status"] == "succeeded" else None
    job = h.wait_until(poll, 15, 0.01, lambda: f"the flaky job to succeed; states seen {sorted(seen)}")
    h.log(f"flaky job: attempts {job['attempts']}, states seen {sorted(seen)}")
    h.check(job["attempts"] == 3, f"want the flaky job succeeded with attempts 3, got {job}")

    total = seconds(job["created_at"], job["finished_at"])
    want = (BACKOFF_MS + 2 * BACKOFF_MS) / 1000
    h.check(total >= want, f"created_at -> finished_at {total:.3f}s; two backoffs need >= {want:.2f}s")
    h.check(job["run_at"] is not None and seconds(job["run_at"], job["started_at"]) >= -0.001,
            f"the last attempt started ({job['started_at']}) before its retry time run_at ({job['run_at']})")
    h.check(seconds(job["created_at"], job["run_at"]) >= want,
            f"the last retry time {job['run_at']} is less than {want:.2f}s after created_at {job['created_at']}")

    # each scheduled state observed: run_at - updated_at (the failure) is the backoff
    for attempt in (1, 2):
        snap = seen.get(("scheduled", attempt))
        if snap is None:
            h.log(f"NOTE: the scheduled state after attempt {attempt} was not observed")
            continue
        delay = seconds(snap["updated_at"], snap["run_at"])
        base = BACKOFF_MS * 2 ** (attempt - 1) / 1000
        h.log(f"after attempt {attempt}: backoff {delay * 1000:.0f} ms (base {base * 1000:.0f} ms)")
        h.check(base - 0.002 <= delay <= base * 1.25 + 0.05,
                f"backoff after attempt {attempt} is {delay:.3f}s; want {base:.3f}s plus up to 25% jitter: {snap}")
        nxt = seen.get(("running", attempt + 1)) or (job if attempt == 2 else None)
        if nxt is not None:
            h.check(seconds(snap["run_at"], nxt["started_at"]) >= -0.001,
                    f"attempt {attempt + 1} started at {nxt['started_at']}, before its retry time {snap['run_at']}")
    seen_scheduled = sum(1 for k in seen if k[0] == "scheduled")
    h.check(seen_scheduled >= 1, f"never saw the flaky job scheduled between attempts: {sorted(seen)}")


def test():
    with h.Sandbox("fault_timeouts") as sb:
        redis = sb.redis()
        server = sb.server(redis, extra_env={"CSC_BACKOFF_MS": str(BACKOFF_MS), "CSC_BACKOFF_CAP_MS": "60000"})
        worker = sb.worker(server, concurrency=1)
        timeout_case(server)
        flaky_case(server)
        h.check(worker.running(), f"{worker.name} exited")


if __name__ == "__main__":
    h.main(test, "fault_timeouts")

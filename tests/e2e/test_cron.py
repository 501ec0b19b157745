#!/usr/bin/env python3
"""Cron cadence (CSC_CRON_SCHEDULE on the worker). With "*/3 * * * * *" and
concurrency 2: 6 echo jobs posted just after a tick all succeed, each started
within [tick, tick + 1 s) of a tick at a multiple of 3 s (UTC), all of them at
the first tick after they were posted (a tick drains the queue); a job posted
between ticks stays queued until the next tick and starts then. A malformed
expression ("61 * * * * *", "* * *") makes jobstack-worker exit non-zero
within 5 s with one stderr line mentioning "cron"."""

import math
import time

import harness as h

PERIOD = 3          # seconds between ticks of "*/3 * * * * *"
WINDOW = 1.0        # a job is taken within this long after its tick
CRASH_SIGNS = ("terminate called", "Aborted", "Segmentation", "AddressSanitizer", "runtime error:",
               "core dumped")


def next_tick(t):
    """The first tick at or after unix time t."""
    return math.ceil(t / PERIOD) * PERIOD


def sleep_until(t):
    delay = t - time.time()
    h.check(delay < 2 * PERIOD + 1, f"sleep_until: {delay:.2f}s is too far")
    if delay > 0:
        time.sleep(delay)


def tick_of(job):
    """The tick a job's started_at belongs to, or None if it is outside every
    [tick, tick + WINDOW)."""
    started = h.parse_time(job["started_at"]).timestamp()
    tick = math.floor(started / PERIOD) * PERIOD
    return tick if started - tick < WINDOW else None


def cadence(sb, server):
    worker = sb.worker(server, concurrency=2, extra_env={"CSC_CRON_SCHEDULE": "*/3 * * * * *"})

    # 6 jobs just after a tick
    tick = next_tick(time.time() + 0.5)
    sleep_until(tick + 0.15)
    ids = [server.post_job({"type": "echo", "payload": {"n": i}})["id"] for i in range(6)]
    posted = time.time()
    h.check(posted < tick + PERIOD - 0.5, f"posting 6 jobs took until {posted - tick:.2f}s after the tick")
    jobs = server.wait_all_succeeded(ids, timeout=3 * PERIOD + 5, interval=0.1)
    offsets = {i: h.parse_time(j["started_at"]).timestamp() - tick for i, j in jobs.items()}
    h.log(f"6 jobs posted {tick + 0.15 - tick:.2f}..{posted - tick:.2f}s after the tick at {tick}; started at "
          f"{sorted(round(o, 3) for o in offsets.values())}s after it")
    for i, j in jobs.items():
        h.check(tick_of(j) is not None, f"job {i} started at {j['started_at']} ({offsets[i]:+.3f}s from the tick "
                f"at {tick}), not within {WINDOW}s after a tick at a multiple of {PERIOD}s")
        h.check(worker.owns(j), f"job {i} ran on {j['worker']}, not {worker.name}")
    last_tick = next_tick(posted)
    late = {i: j["started_at"] for i, j in jobs.items() if tick_of(j) > last_tick}
    h.check(not late, f"the tick at {last_tick} (the first after the posts) did not drain the queue: "
            f"started later: {late}")

    # a job posted between ticks waits for the next one
    tick = next_tick(time.time() + 0.2)
    sleep_until(tick + 0.5)
    job_id = server.post_job({"type": "echo", "payload": {"between": True}})["id"]
    following = next_tick(time.time())
    h.check(following == tick + PERIOD, "posting took too long")
    sleep_until(following - 0.3)
    job = server.get_job(job_id)
    h.check(job["status"] == "queued" and job["attempts"] == 0,
            f"a job posted {0.5}s after the tick at {tick} must stay queued until the tick at {following}; "
            f"0.3 s before it: {job}")
    job = server.wait_all_succeeded([job_id], timeout=PERIOD + 5, interval=0.1)[job_id]
    start = h.parse_time(job["started_at"]).timestamp()
    h.log(f"a job posted between ticks started {start - following:+.3f}s from the following tick")
    h.check(following <= start < following + WINDOW,
            f"a job posted 0.5 s after the tick at {tick} started at {job['started_at']} "
            f"({start - following:+.3f}s from the following tick at {following}); want within [0, {WINDOW})")
    h.check(worker.running(), f"{worker.name} exited")
    rc = worker.stop()
    h.check(rc == 0, f"{worker.name} exited with status {rc} after SIGTERM; want 0")


def rejected(expression):
    rc, _, err = h.run_to_exit("jobstack-worker", env={"CSC_CRON_SCHEDULE": expression}, timeout=5)
    what = f"CSC_CRON_SCHEDULE={expression!r} jobstack-worker"
    h.check(rc > 0, f"{what}: want a non-zero exit status (not a signal), got {rc}; stderr: {err[-500:]!r}")
    lines = err.rstrip("\n").split("\n")
    h.check(len(lines) == 1 and lines[0].strip(),
            f"{what}: want exactly one non-empty line on stderr, got {len(lines)}: {err[-800:]!r}")
    h.check("cron" in lines[0].lower(), f"{what}: the stderr line does not mention cron: {lines[0]!r}")
    h.check(not any(s in err for s in CRASH_SIGNS), f"{what}: stderr looks like a crash: {err!r}")
    h.log(f"ok: {what} -> {rc}: {lines[0]}")


def test():
    for expression in ("61 * * * * *", "* * *"):
        rejected(expression)
    with h.Sandbox("cron") as sb:
        redis = sb.redis()
        server = sb.server(redis)
        cadence(sb, server)


if __name__ == "__main__":
    h.main(test, "cron")

#!/usr/bin/env python3
"""jobstack-worker --once (jobstack-worker-once.service, run by
jobstack-worker.timer): with 30 echo jobs and 4 sleep jobs (300 ms) queued,
a worker started with --once (concurrency 2) exits 0 within 20 s, and every
job succeeded on it before it exited; a job posted after that stays queued.
With empty queues it exits 0 within 10 s. --once together with
CSC_CRON_SCHEDULE is refused at start: a non-zero status within 5 s and one
stderr line naming both."""

import os
import time

import harness as h

JOBS, SLEEPS, SLEEP_MS = 30, 4, 300
BOUND_S = 20       # start, join, 30 echo + 4 x 300 ms on 2 slots, drain, exit
EMPTY_BOUND_S = 10


def run_once(sb, server, name):
    """Starts `jobstack-worker --once` (not waiting for its join: it may be
    gone by then); returns (worker, exit status or None, seconds taken)."""
    worker = h.Worker(sb.dir, server, f"{name}-{os.getpid()}", concurrency=2)
    worker.argv.append("--once")
    sb._add(worker).start()
    started = time.monotonic()
    rc = worker.wait_exit(timeout=BOUND_S)
    return worker, rc, time.monotonic() - started


def drains_and_exits(sb, server):
    ids = [server.post_job({"type": "echo", "payload": {"n": i}})["id"] for i in range(JOBS)]
    ids += [server.post_job({"type": "sleep", "payload": {"ms": SLEEP_MS}})["id"] for _ in range(SLEEPS)]
    worker, rc, took = run_once(sb, server, "once")
    h.check(rc is not None, f"jobstack-worker --once still running after {BOUND_S}s")
    h.log(f"jobstack-worker --once exited with status {rc} after {took:.1f}s")
    h.check(rc == 0, f"jobstack-worker --once exited with status {rc}; want 0")
    jobs = server.get_jobs(ids)
    not_done = {i: j["status"] for i, j in jobs.items() if j["status"] != "succeeded"}
    h.check(not not_done, f"{len(not_done)} job(s) not succeeded when --once exited: {list(not_done.items())[:5]}")
    strangers = {i: j["worker"] for i, j in jobs.items() if not worker.owns(j)}
    h.check(not strangers, f"jobs ran elsewhere than on {worker.worker_id}: {list(strangers.items())[:5]}")
    h.check(h.log_count(worker, "queues drained") == 1, f"{worker.name} did not log 'queues drained' once")

    late = server.post_job({"type": "echo", "payload": {"late": True}})["id"]
    time.sleep(1)
    job = server.get_job(late)
    h.check(job["status"] == "queued", f"a job posted after --once exited should stay queued: {job}")


def empty_queues(sb, server):
    _, rc, took = run_once(sb, server, "empty")
    # The job posted by drains_and_exits() is still queued: this run takes it.
    h.check(rc == 0 and took < EMPTY_BOUND_S,
            f"--once on a nearly empty queue: status {rc} after {took:.1f}s; want 0 within {EMPTY_BOUND_S}s")
    _, rc, took = run_once(sb, server, "idle")
    h.check(rc == 0 and took < EMPTY_BOUND_S,
            f"--once on empty queues: status {rc} after {took:.1f}s; want 0 within {EMPTY_BOUND_S}s")
    h.log(f"--once on empty queues exited 0 after {took:.1f}s")


def refuses_cron():
    rc, _, err = h.run_to_exit("jobstack-worker", args=["--once"], env={"CSC_CRON_SCHEDULE": "*/5 * * * * *"})
    lines = err.rstrip("\n").split("\n")
    h.check(rc > 0 and len(lines) == 1 and "--once" in lines[0] and "CSC_CRON_SCHEDULE" in lines[0],
            f"--once with CSC_CRON_SCHEDULE: want a non-zero status and one line naming both; got {rc}, {err!r}")
    h.log(f"ok: --once with CSC_CRON_SCHEDULE -> {rc}: {lines[0]}")


def test():
    refuses_cron()
    with h.Sandbox("worker-once") as sb:
        redis = sb.redis()
        server = sb.server(redis)
        drains_and_exits(sb, server)
        empty_queues(sb, server)


if __name__ == "__main__":
    h.main(test, "worker_once")

#!/usr/bin/env python3
"""Graceful worker stop (SIGTERM). (1) A worker (concurrency 1,
CSC_DRAIN_TIMEOUT_MS=500) running a 5 s sleep exits 0 within 3 s and hands
the job back uncounted: queued with attempts 0 right after; a second worker
finishes it with attempts 1. (2) A worker whose 300 ms job finishes within
the default drain time exits 0 with the job succeeded, attempts 1. (3) A
stopping worker takes no new job: one posted after the SIGTERM stays queued
with attempts 0 after the worker exited, and another worker runs it."""

import signal
import time

import harness as h

EXIT_S = 3.0
BACK_S = 3.0


def sigterm(worker, within):
    t0 = time.monotonic()
    worker.kill(signal.SIGTERM)
    rc = worker.wait_exit(within)
    took = time.monotonic() - t0
    h.check(rc is not None, f"{worker.name} did not exit within {within}s of SIGTERM")
    h.check(rc == 0, f"{worker.name} exited with status {rc} after SIGTERM; want 0")
    h.log(f"{worker.name} exited 0 {took:.2f}s after SIGTERM")
    return took


def handed_back(sb, server):
    a = sb.worker(server, concurrency=1, extra_env={"CSC_DRAIN_TIMEOUT_MS": "500"})
    job_id = server.post_job({"type": "sleep", "payload": {"ms": 5000}})["id"]
    server.wait_running_on([job_id], a, timeout=10)
    took = sigterm(a, EXIT_S)
    h.check(took >= 0.4, f"{a.name} exited {took:.2f}s after SIGTERM, before its 500 ms drain time was up")

    last = {}

    def back():
        job = last["job"] = server.get_job(job_id)
        h.check(job["status"] in ("running", "queued"), f"the handed-back job became {job['status']}: {job}")
        return job if job["status"] == "queued" else None
    job = h.wait_until(back, BACK_S, 0.05, lambda: f"the job of the stopped worker to be queued: {last.get('job')}")
    h.check(job["attempts"] == 0, f"a job handed back on SIGTERM must not count the attempt: attempts "
            f"{job['attempts']}, want 0: {job}")
    h.log(f"job handed back: queued with attempts 0 (worker {job['worker']!r})")

    b = sb.worker(server, concurrency=1)
    job = server.wait_all_succeeded([job_id], timeout=20, interval=0.1)[job_id]
    h.check(b.owns(job) and job["attempts"] == 1,
            f"want the job finished by {b.name} with attempts 1: worker {job['worker']}, attempts {job['attempts']}")
    return b


def finishes_in_drain(server, b):
    job_id = server.post_job({"type": "sleep", "payload": {"ms": 300}})["id"]
    server.wait_running_on([job_id], b, timeout=10)
    sigterm(b, 5.0)
    job = h.wait_job(server, job_id, ("succeeded", "dead", "queued", "cancelled"), timeout=3, interval=0.05)
    h.check(job["status"] == "succeeded" and job["attempts"] == 1 and b.owns(job),
            f"a job finishing within the drain time must succeed on {b.name} with attempts 1: {job}")
    h.log("a job running at SIGTERM finished within the default drain time")


def takes_no_new_job(sb, server):
    c = sb.worker(server, concurrency=1)
    job_id = server.post_job({"type": "sleep", "payload": {"ms": 1500}})["id"]
    server.wait_running_on([job_id], c, timeout=10)
    c.kill(signal.SIGTERM)
    late_id = server.post_job({"type": "echo", "payload": {"late": True}})["id"]
    rc = c.wait_exit(5.0)
    h.check(rc == 0, f"{c.name} exited with status {rc} (None: still running 5 s after SIGTERM); want 0")
    job = h.wait_job(server, job_id, ("succeeded", "dead", "queued", "cancelled"), timeout=3, interval=0.05)
    h.check(job["status"] == "succeeded" and job["attempts"] == 1, f"the 1.5 s job did not finish in the drain: {job}")
    late = server.get_job(late_id)
    h.check(late["status"] == "queued" and late["attempts"] == 0,
            f"a job posted after SIGTERM was taken by the stopping {c.name}: {late}")
    d = sb.worker(server, concurrency=1)
    late = server.wait_all_succeeded([late_id], timeout=10)[late_id]
    h.check(d.owns(late) and late["attempts"] == 1, f"want the late job run once by {d.name}: {late}")
    h.log("a stopping worker took no new job")


def test():
    with h.Sandbox("fault_worker_drain") as sb:
        redis = sb.redis()
        server = sb.server(redis)
        b = handed_back(sb, server)
        finishes_in_drain(server, b)
        takes_no_new_job(sb, server)


if __name__ == "__main__":
    h.main(test, "fault_worker_drain")

#!/usr/bin/env python3
"""Server crash: (1) queued jobs survive a SIGKILLed server (they live in
Redis); (2) when server and worker die together, the restarted server returns
the dead worker's in-flight jobs to the ready stack after CSC_WORKER_GRACE_MS,
and a new worker runs them to success. Nothing stays running."""

import os
import signal
import time

import harness as h

GRACE_MS = 2000


def queued_jobs_survive(sb, server):
    ids = [server.post_job({"type": "echo", "payload": {"n": i}})["id"] for i in range(10)]
    server.kill(signal.SIGKILL)
    server.start().wait_ready()
    jobs = server.get_jobs(ids)
    h.check(all(j["status"] == "queued" for j in jobs.values()),
            f"after a server crash the jobs must still be queued: {[j['status'] for j in jobs.values()]}")
    worker = sb.worker(server, concurrency=2)
    server.wait_all_succeeded(ids, timeout=30)
    h.log(f"part 1 ok: 10 queued jobs survived the crash; {worker.name} stopped with status {worker.stop()}")


def inflight_jobs_return_after_grace(sb, server):
    x = sb.worker(server, concurrency=2, worker_id=f"e2e-x-{os.getpid()}")
    ids = [server.post_job({"type": "sleep", "payload": {"ms": 3000}})["id"] for _ in range(4)]
    on_x = server.wait_running_on(ids, x, timeout=15, count=2)
    server.kill(signal.SIGKILL)  # the server first, so that it cannot see the worker die
    x.kill(signal.SIGKILL)
    lost_at = h.now_utc()

    t0 = time.monotonic()
    server.start().wait_ready()
    y = sb.worker(server, concurrency=2, worker_id=f"e2e-y-{os.getpid()}")

    def released():
        jobs = server.get_jobs(on_x)
        return all(not (j["status"] == "running" and x.owns(j)) for j in jobs.values())

    h.wait_until(released, GRACE_MS / 1000 + 20, 0.1, f"the jobs of the dead {x.name} to be released")
    returned_s = time.monotonic() - t0
    h.log(f"jobs of the dead worker released {returned_s:.2f}s after the restart (grace {GRACE_MS} ms)")
    h.check(returned_s >= GRACE_MS / 1000 - 0.5,
            f"jobs of a worker unseen since the restart were released after {returned_s:.2f}s, "
            f"before CSC_WORKER_GRACE_MS={GRACE_MS}")

    jobs = server.wait_all_succeeded(ids, timeout=60)
    h.check_moved(jobs, on_x, x, y, lost_at)


def test():
    with h.Sandbox("server_restart") as sb:
        redis = sb.redis()
        server = sb.server(redis, grace_ms=GRACE_MS)
        queued_jobs_survive(sb, server)
        inflight_jobs_return_after_grace(sb, server)


if __name__ == "__main__":
    h.main(test, "server_restart")

#!/usr/bin/env python3
"""At least once, crash case: SIGKILL a worker while it runs sleep jobs. Its
in-flight jobs go back on the ready stack and the other worker runs them; every
job succeeds and none is left running or queued."""

import signal

import harness as h

JOBS, SLEEP_MS = 8, 2000


def test():
    with h.Sandbox("worker_sigkill") as sb:
        redis = sb.redis()
        server = sb.server(redis)
        a = sb.worker(server, concurrency=2)
        b = sb.worker(server, concurrency=2)
        ids = [server.post_job({"type": "sleep", "payload": {"ms": SLEEP_MS}})["id"] for _ in range(JOBS)]

        on_a = server.wait_running_on(ids, a, timeout=15)
        a.kill(signal.SIGKILL)
        killed_at = h.now_utc()
        h.log(f"killed {a.name} while it ran {sorted(on_a)}")

        jobs = server.wait_all_succeeded(ids, timeout=60)
        moved = h.check_moved(jobs, on_a, a, b, killed_at)
        h.log(f"{moved} job(s) moved from {a.name} to {b.name}; attempts: "
              f"{ {i: jobs[i]['attempts'] for i in on_a} }")


if __name__ == "__main__":
    h.main(test, "worker_sigkill")

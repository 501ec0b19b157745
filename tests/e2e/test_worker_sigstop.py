#!/usr/bin/env python3
"""At least once, hang case: SIGSTOP a worker while it runs sleep jobs. The
broker's heartbeat notices within ~3.5 s (asserted: <= 8 s) and its jobs are
redelivered to the other worker; every job succeeds. Then SIGCONT and stop it."""

import signal
import time

import harness as h

JOBS, SLEEP_MS, MAX_DETECT_S = 8, 2000, 8.0


def test():
    with h.Sandbox("worker_sigstop") as sb:
        redis = sb.redis()
        server = sb.server(redis)
        a = sb.worker(server, concurrency=2)
        b = sb.worker(server, concurrency=2)
        ids = [server.post_job({"type": "sleep", "payload": {"ms": SLEEP_MS}})["id"] for _ in range(JOBS)]

        on_a = server.wait_running_on(ids, a, timeout=15)
        a.kill(signal.SIGSTOP)
        stopped_at, t0 = h.now_utc(), time.monotonic()
        h.log(f"stopped {a.name} while it ran {sorted(on_a)}")

        def released():  # none of on_a is still running on a
            jobs = server.get_jobs(on_a)
            return all(not (j["status"] == "running" and a.owns(j)) for j in jobs.values())

        h.wait_until(released, MAX_DETECT_S + 30, 0.1, f"the jobs of the stopped {a.name} to be released")
        detect_s = time.monotonic() - t0
        h.log(f"jobs of the stopped worker released after {detect_s:.2f}s")
        h.check(detect_s <= MAX_DETECT_S,
                f"the jobs of a hung worker were released after {detect_s:.2f}s; want <= {MAX_DETECT_S}s")

        jobs = server.wait_all_succeeded(ids, timeout=60)
        h.check_moved(jobs, on_a, a, b, stopped_at)

        a.kill(signal.SIGCONT)
        h.log(f"{a.name} resumed and stopped with status {a.stop()}")
        after = server.get_jobs(ids)
        h.check(all(j["status"] == "succeeded" for j in after.values()),
                f"a finished job changed after the hung worker resumed: "
                f"{ {i: j['status'] for i, j in after.items()} }")


if __name__ == "__main__":
    h.main(test, "worker_sigstop")

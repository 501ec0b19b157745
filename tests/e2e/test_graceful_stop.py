#!/usr/bin/env python3
"""Graceful stop: SIGTERM makes a worker exit 0 within 15 s and the server
exit 0 within 10 s. A job running on the worker when it is told to stop is
finished or handed back (succeeded or queued), never left running."""

import signal

import harness as h


def test():
    with h.Sandbox("graceful_stop") as sb:
        redis = sb.redis()
        server = sb.server(redis)
        worker = sb.worker(server, concurrency=2)
        job_id = server.post_job({"type": "sleep", "payload": {"ms": 1000}})["id"]
        server.wait_running_on([job_id], worker, timeout=15)

        worker.kill(signal.SIGTERM)
        rc = worker.wait_exit(15)
        h.check(rc is not None, f"{worker.name} did not exit within 15 s of SIGTERM")
        h.check(rc == 0, f"{worker.name} exited with status {rc} after SIGTERM; want 0")

        def settled():
            job = server.get_job(job_id)
            return job if job["status"] in ("succeeded", "queued") else None
        job = h.wait_until(settled, 10, 0.1, "the job of the stopped worker to be succeeded or queued")
        h.log(f"worker exited 0; its job is {job['status']} (attempts {job['attempts']})")

        server.kill(signal.SIGTERM)
        rc = server.wait_exit(10)
        h.check(rc is not None, "jobstack-server did not exit within 10 s of SIGTERM")
        h.check(rc == 0, f"jobstack-server exited with status {rc} after SIGTERM; want 0")


if __name__ == "__main__":
    h.main(test, "graceful_stop")

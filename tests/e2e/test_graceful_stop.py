#!/usr/bin/env python3
"""Graceful stop: SIGTERM makes a worker exit 0 within 15 s and the server
exit 0 within 10 s. A job running on the worker when it is told to stop is
finished or handed back (succeeded or queued), never left running. A
request in flight when the server is told to stop still gets its answer."""

import signal
import threading
import time

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


def test_request_in_flight_is_answered():
    # Freeze Redis so that a POST stays in flight (about 1 s), then SIGTERM
    # the server while it waits: the client must get an answer (a 503 here),
    # not a closed connection.
    with h.Sandbox("graceful_stop_in_flight") as sb:
        redis = sb.redis()
        server = sb.server(redis)
        redis.kill(signal.SIGSTOP)
        answer = {}

        def post():
            try:
                status, _, body = server.http("POST", "/v1/jobs", {"type": "echo"})
                answer["status"] = status
            except Exception as e:  # a closed connection fails the test
                answer["error"] = repr(e)

        t = threading.Thread(target=post)
        t.start()
        time.sleep(0.3)  # the request is waiting on the frozen Redis
        server.kill(signal.SIGTERM)
        t.join(10)
        rc = server.wait_exit(10)
        redis.kill(signal.SIGCONT)
        h.check("error" not in answer, f"the in-flight request got no answer: {answer}")
        h.check(answer.get("status") == 503, f"in-flight request: want 503, got {answer}")
        h.check(rc == 0, f"jobstack-server exited with status {rc} after SIGTERM; want 0")
        h.log("a request in flight during SIGTERM was answered 503; exit 0")


def test_all():
    test()
    test_request_in_flight_is_answered()


if __name__ == "__main__":
    h.main(test_all, "graceful_stop")

#!/usr/bin/env python3
"""LIFO: 20 echo jobs queued while no worker runs are, once a worker with
concurrency 1 joins, started in exactly the reverse of their creation order."""

import harness as h

JOBS = 20


def test():
    with h.Sandbox("lifo_order") as sb:
        redis = sb.redis()
        server = sb.server(redis)
        created = [server.post_job({"type": "echo", "payload": {"n": i}})["id"] for i in range(JOBS)]
        queued = server.get_jobs(created)
        h.check(all(j["status"] == "queued" for j in queued.values()),
                f"with no worker every job must stay queued: {[j['status'] for j in queued.values()]}")

        sb.worker(server, concurrency=1)

        jobs = server.wait_all_succeeded(created, timeout=30)
        h.check(all(j["attempts"] == 1 for j in jobs.values()), "some job was delivered more than once")
        started = sorted(created, key=lambda i: h.parse_time(jobs[i]["started_at"]))
        positions = [created.index(i) for i in started]
        h.log(f"creation positions in start order: {positions}")
        h.check(started == list(reversed(created)),
                f"start order is not the reverse of creation order: creation positions in start order {positions}")


if __name__ == "__main__":
    h.main(test, "lifo_order")

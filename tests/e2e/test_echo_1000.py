#!/usr/bin/env python3
"""1000 echo jobs through one server and two workers (concurrency 4 each):
every job succeeds once with its own payload as result, and both workers take
part. Prints the throughput (first POST to last finished_at) as information."""

import threading
from collections import Counter

import harness as h

JOBS, THREADS = 1000, 4


def post_all(server):
    """POSTs JOBS echo jobs from THREADS keep-alive connections: {id: payload}."""
    payloads = [{"n": i, "text": f"echo payload #{i}", "list": [i, str(i)]} for i in range(JOBS)]
    created, errors = {}, []
    lock = threading.Lock()

    def poster(part):
        client = h.Client(server.http_port)
        try:
            for p in part:
                job = server.post_job({"type": "echo", "payload": p}, client)
                with lock:
                    created[job["id"]] = p
        except Exception as e:  # reported by the main thread
            errors.append(repr(e))
        finally:
            client.close()

    threads = [threading.Thread(target=poster, args=(payloads[t::THREADS],), daemon=True) for t in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    h.check(not any(t.is_alive() for t in threads), "POSTing took longer than 60 s")
    h.check(not errors, f"POST failed: {errors[:3]}")
    h.check(len(created) == JOBS, f"{len(created)} distinct job ids for {JOBS} POSTs")
    return created


def test():
    with h.Sandbox("echo_1000") as sb:
        redis = sb.redis()
        server = sb.server(redis)
        workers = [sb.worker(server, concurrency=4), sb.worker(server, concurrency=4)]

        first_post = h.now_utc()
        created = post_all(server)
        h.log(f"posted {JOBS} jobs in {(h.now_utc() - first_post).total_seconds():.2f}s")
        jobs = server.wait_all_succeeded(created, timeout=90)

        wrong = [(i, j["result"], created[i]) for i, j in jobs.items() if j["result"] != created[i]]
        h.check(not wrong, f"{len(wrong)} results differ from their payloads, e.g. (id, result, payload) {wrong[:2]}")
        retried = [(i, j["attempts"]) for i, j in jobs.items() if j["attempts"] != 1]
        h.check(not retried, f"{len(retried)} jobs had attempts != 1, e.g. {retried[:3]}")

        by_worker = Counter(next((w.worker_id for w in workers if w.owns(j)), j.get("worker"))
                            for j in jobs.values())
        h.log(f"jobs per worker: {dict(by_worker)}")
        h.check(all(by_worker[w.worker_id] > 0 for w in workers), f"not both workers took part: {dict(by_worker)}")
        h.check(len(by_worker) == 2, f"jobs name unknown workers: {dict(by_worker)}")

        last = max(h.parse_time(j["finished_at"]) for j in jobs.values())
        secs = (last - first_post).total_seconds()
        h.log(f"throughput: {JOBS} jobs in {secs:.2f}s = {JOBS / max(secs, 1e-6):.0f} jobs/s "
              f"(first POST to last finished_at)")


if __name__ == "__main__":
    h.main(test, "echo_1000")

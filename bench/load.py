"""bench/load.py: jobstack's side of the load that wrk does not generate.

- fill(): N echo jobs through POST /v1/jobs/batch (1000 per request) from a few
  keep-alive connections; figures 3 and 5, and the smoke benchmark.
- open_loop(): POST /v1/jobs at a fixed rate for some seconds, recording each
  job's send time; figure 4.
- finished_times(), first_started(), last_finished(): job times read back
  through the API (GET /v1/jobs).

Every job has the payload PAYLOAD that BullMQ's jobs get too. Python 3
standard library only."""

import json
import threading
import time
from datetime import datetime
from http import client as http_client

from procs import http_json

PAYLOAD = {"text": "benchmark payload", "n": 12345}
BATCH = 1000  # the most POST /v1/jobs/batch takes


def rfc3339_to_unix(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _connection(port):
    return http_client.HTTPConnection("127.0.0.1", port, timeout=60)


def fill(port, jobs, connections=4):
    """Enqueues `jobs` echo jobs in batches of BATCH from `connections`
    threads. Returns the seconds it took; raises on any non-201 answer."""
    body = json.dumps({"jobs": [{"type": "echo", "payload": PAYLOAD}] * BATCH}).encode()
    sizes = [BATCH] * (jobs // BATCH) + ([jobs % BATCH] if jobs % BATCH else [])
    lock, errors = threading.Lock(), []

    def sender():
        conn = _connection(port)
        try:
            while True:
                with lock:
                    if not sizes or errors:
                        return
                    n = sizes.pop()
                data = body if n == BATCH else json.dumps(
                    {"jobs": [{"type": "echo", "payload": PAYLOAD}] * n}).encode()
                conn.request("POST", "/v1/jobs/batch", body=data, headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                raw = resp.read()
                if resp.status != 201:
                    raise RuntimeError(f"POST /v1/jobs/batch -> {resp.status} {raw[:300]!r}")
        except Exception as e:  # reported by the caller
            with lock:
                errors.append(repr(e))
        finally:
            conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=sender, daemon=True) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"batch enqueue failed: {errors[0]}")
    return time.monotonic() - started


def open_loop(port, rate, seconds, connections=16):
    """POSTs one echo job every 1/rate s for `seconds` (open loop: each send
    is due at its own time, whatever the answers before it took), spread over
    `connections` keep-alive connections. Returns ({job id: send time, unix
    s}, seconds it took to send all)."""
    total = int(rate * seconds)
    sent, errors, lock = {}, [], threading.Lock()
    start = time.monotonic() + 0.2  # every thread ready before the first send

    def sender(k):
        conn = _connection(port)
        try:
            for i in range(k, total, connections):
                delay = start + i / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                body = json.dumps({"type": "echo", "payload": dict(PAYLOAD, n=i)})
                t = time.time()
                conn.request("POST", "/v1/jobs", body=body, headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                resp.read()
                if resp.status != 201:
                    raise RuntimeError(f"POST /v1/jobs -> {resp.status}")
                job_id = resp.getheader("Location").rsplit("/", 1)[1]
                with lock:
                    sent[job_id] = t
        except Exception as e:  # reported below
            with lock:
                errors.append(repr(e))
        finally:
            conn.close()

    threads = [threading.Thread(target=sender, args=(k,), daemon=True) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"open-loop enqueue failed: {errors[0]}")
    return sent, time.monotonic() - start


def queue_stats(port, queue="default"):
    status, body = http_json(port, "GET", f"/v1/queues/{queue}")
    return body if status == 200 else {}


def wait_succeeded(port, jobs, timeout, interval=0.05):
    """Polls GET /v1/queues/default until `jobs` have succeeded; raises on a
    dead job or after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        stats = queue_stats(port)
        if stats.get("dead"):
            raise RuntimeError(f"{stats['dead']} job(s) dead: {stats}")
        if stats.get("succeeded", 0) >= jobs:
            return stats
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {stats.get('succeeded')} of {jobs} jobs succeeded within {timeout}s: {stats}")
        time.sleep(interval)


def list_jobs(port, status, limit=1000, pages=None):
    """The jobs of one status through GET /v1/jobs, page by page."""
    jobs, cursor, n = [], None, 0
    while pages is None or n < pages:
        path = f"/v1/jobs?status={status}&limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        code, body = http_json(port, "GET", path)
        if code != 200:
            raise RuntimeError(f"GET {path} -> {code} {body}")
        jobs += body["jobs"]
        cursor, n = body.get("next_cursor"), n + 1
        if not cursor:
            break
    return jobs


def finished_times(port):
    """{job id: finished_at as unix s} of every succeeded job."""
    return {j["id"]: rfc3339_to_unix(j["finished_at"]) for j in list_jobs(port, "succeeded")}


def first_started(port, ids):
    """The earliest started_at (unix s) among the jobs `ids`."""
    times = []
    for job_id in ids:
        code, job = http_json(port, "GET", f"/v1/jobs/{job_id}")
        if code == 200 and job.get("started_at"):
            times.append(rfc3339_to_unix(job["started_at"]))
    if not times:
        raise RuntimeError("none of the first jobs has a started_at")
    return min(times)


def last_finished(port):
    """The latest finished_at (unix s) among succeeded jobs: the list is newest
    first, but the first page is read whole to be sure."""
    return max(rfc3339_to_unix(j["finished_at"]) for j in list_jobs(port, "succeeded", limit=100, pages=1))

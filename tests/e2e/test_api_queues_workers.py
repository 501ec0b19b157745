#!/usr/bin/env python3
"""Queues, workers and health: GET /v1/queues and /v1/queues/{name} count what
was done; GET /v1/workers lists each worker node with its concurrency, running
and processed counts, and drops a stopped one; /healthz and /readyz; when
Redis stops (SIGSTOP, then SIGTERM) /readyz and POST /v1/jobs answer 503 with
Retry-After within 3 s, never hang, and recover when Redis is back."""

import signal
import time
from datetime import timedelta

import harness as h

OUTAGE_ANSWER_S = 3.0
RECOVER_S = 10.0


def workers(server):
    status, headers, body = server.http("GET", "/v1/workers")
    h.check(status == 200, f"GET /v1/workers -> {status} {body}")
    h.check(headers.get("Content-Type", "").startswith("application/json"), "GET /v1/workers: not JSON")
    h.check(isinstance(body, dict) and isinstance(body.get("workers"), list), f"GET /v1/workers: {body}")
    return body["workers"]


def entry_of(entries, worker):
    mine = [e for e in entries if worker.owns({"worker": e.get("id")})]
    h.check(len(mine) <= 1, f"{worker.name} is listed {len(mine)} times: {mine}")
    return mine[0] if mine else None


def check_entry(e, worker, concurrency, since):
    keys = {"id", "node", "concurrency", "running", "processed", "failed", "last_seen"}
    h.check(keys <= set(e), f"worker entry {e} lacks {sorted(keys - set(e))}")
    h.check(e["concurrency"] == concurrency, f"{worker.name}: concurrency {e['concurrency']}, want {concurrency}")
    h.check(isinstance(e["node"], str) and e["node"], f"{worker.name}: node {e['node']!r}")
    for k in ("running", "processed", "failed"):
        h.check(isinstance(e[k], int) and e[k] >= 0, f"{worker.name}: {k} {e[k]!r}")
    h.check(isinstance(e["last_seen"], str) and h.RFC3339_US.match(e["last_seen"]),
            f"{worker.name}: last_seen {e['last_seen']!r} is not RFC 3339 UTC with microseconds")
    seen = h.parse_time(e["last_seen"])
    h.check(since - timedelta(seconds=1) <= seen <= h.now_utc() + timedelta(seconds=1),
            f"{worker.name}: last_seen {e['last_seen']} is not between its start and now")


def health(server, what):
    status, headers, body = server.http("GET", "/healthz")
    h.check(status == 200 and body == {"status": "ok"}, f"{what}: /healthz -> {status} {body}")
    status, headers, body = server.http("GET", "/readyz")
    h.check(status == 200 and body == {"status": "ready", "checks": {"redis": "ok", "broker": "ok"}},
            f"{what}: /readyz -> {status} {body}")
    h.check(headers.get("Content-Type", "").startswith("application/json"), f"{what}: /readyz not JSON")


def workers_list(sb, server):
    since = h.now_utc()
    w1 = sb.worker(server, concurrency=3, queues="default,counts")
    w2 = sb.worker(server, concurrency=2, queues="default")

    def both_listed():
        entries = workers(server)
        return entries if len(entries) == 2 and entry_of(entries, w1) and entry_of(entries, w2) else None
    entries = h.wait_until(both_listed, 10, 0.1, lambda: f"both workers in GET /v1/workers: {workers(server)}")
    check_entry(entry_of(entries, w1), w1, 3, since)
    check_entry(entry_of(entries, w2), w2, 2, since)
    h.check(entry_of(entries, w1)["id"] != entry_of(entries, w2)["id"], "two workers with one id")
    h.log(f"workers listed: {entries}")

    # queue counts: 2 succeeded + 1 dead in 'counts' (only w1 serves it)
    counts_ok = [server.post_job({"type": "echo", "queue": "counts"})["id"] for _ in range(2)]
    counts_dead = server.post_job({"type": "fail", "queue": "counts", "max_attempts": 1})["id"]
    echo = [server.post_job({"type": "echo", "payload": {"n": i}})["id"] for i in range(20)]
    jobs = server.wait_all_succeeded(counts_ok + echo, timeout=30)
    h.wait_job(server, counts_dead, "dead", timeout=15)
    want = {w: sum(1 for j in jobs.values() if w.owns(j)) for w in (w1, w2)}
    h.check(sum(want.values()) == 22, f"every succeeded job names its worker: {want}")

    def counted():
        entries = workers(server)
        got = {w: (entry_of(entries, w) or {}) for w in (w1, w2)}
        ok = all(got[w].get("processed") == want[w] for w in (w1, w2))
        ok = ok and got[w1].get("failed") == 1 and got[w2].get("failed") == 0
        return got if ok else None
    h.wait_until(counted, 5, 0.1, lambda: f"processed {({w.name: n for w, n in want.items()})} and failed 1/0 "
                 f"in GET /v1/workers: {workers(server)}")
    h.log(f"processed counts ok: { {w.name: n for w, n in want.items()} }")

    # running > 0 on both while sleep jobs run
    sleepers = [server.post_job({"type": "sleep", "payload": {"ms": 2500}})["id"] for _ in range(5)]

    def both_running():
        entries = workers(server)
        return entries if all((entry_of(entries, w) or {}).get("running", 0) > 0 for w in (w1, w2)) else None
    entries = h.wait_until(both_running, 5, 0.05, lambda: f"running > 0 on both workers: {workers(server)}")
    h.check(entry_of(entries, w1)["running"] <= 3 and entry_of(entries, w2)["running"] <= 2,
            f"running above concurrency: {entries}")
    server.wait_all_succeeded(sleepers, timeout=20)
    h.wait_until(lambda: all((entry_of(workers(server), w) or {}).get("running") == 0 for w in (w1, w2)), 5, 0.1,
                 lambda: f"running back to 0: {workers(server)}")
    h.log("running counts ok")

    # a stopped worker disappears
    rc = w1.stop()
    h.log(f"{w1.name} stopped with status {rc}")
    t0 = time.monotonic()
    h.wait_until(lambda: (lambda e: len(e) == 1 and entry_of(e, w2) and not entry_of(e, w1))(workers(server)),
                 10, 0.1, lambda: f"the stopped {w1.name} to leave GET /v1/workers: {workers(server)}")
    h.log(f"stopped worker left the list after {time.monotonic() - t0:.2f}s")


def queue_counts(server):
    queued = [server.post_job({"type": "echo", "queue": "counts"})["id"] for _ in range(3)]
    server.post_job({"type": "echo", "queue": "counts", "delay_ms": 600000})
    doomed = server.post_job({"type": "echo", "queue": "counts"})["id"]
    status, _, body = server.http("DELETE", f"/v1/jobs/{doomed}")
    h.check(status == 200, f"DELETE {doomed} -> {status} {body}")
    want = {"name": "counts", "queued": 3, "scheduled": 1, "running": 0, "succeeded": 2, "dead": 1, "cancelled": 1}
    status, headers, stats = server.http("GET", "/v1/queues/counts")
    h.check(status == 200 and stats == want, f"GET /v1/queues/counts -> {status} {stats}, want {want}")
    h.check(headers.get("Content-Type", "").startswith("application/json"), "queue stats: not JSON")

    status, _, body = server.http("GET", "/v1/queues")
    h.check(status == 200 and isinstance(body, dict) and isinstance(body.get("queues"), list),
            f"GET /v1/queues -> {status} {body}")
    names = [q.get("name") for q in body["queues"]]
    h.check(names == sorted(names) and {"counts", "default"} <= set(names) and len(names) == len(set(names)),
            f"GET /v1/queues: want every queue once, sorted by name: {names}")
    h.check(set(names) == {"counts", "default"}, f"GET /v1/queues lists queues that never had a job: {names}")
    listed = {q["name"]: q for q in body["queues"]}
    h.check(listed["counts"] == want, f"GET /v1/queues entry of counts: {listed['counts']}, want {want}")
    d = listed["default"]
    h.check(d["succeeded"] == 25 and d["queued"] == 0 and d["running"] == 0 and d["dead"] == 0,
            f"GET /v1/queues entry of default: {d}")
    for name in ("nope", "never-used", "UPPER", "x" * 65):
        h.check_error(server.http("GET", f"/v1/queues/{name}"), 404, "not_found", what=f"GET /v1/queues/{name}")
    h.log(f"queue counts ok: {want}")
    return queued


def outage(redis, server, how):
    """Redis stops (SIGSTOP or SIGTERM): 503s within 3 s; then recovers."""
    client = h.Client(server.http_port, timeout=OUTAGE_ANSWER_S + 5)
    before = h.queue_stats(server, "counts")
    if how == "SIGSTOP":
        redis.kill(signal.SIGSTOP)
    else:
        redis.stop()
    t_stop = time.monotonic()

    def timed(method, path, body=None):
        t0 = time.monotonic()
        try:
            resp = client.request(method, path, body)
        except OSError as e:
            raise h.TestFailure(f"Redis {how}: {method} {path} got no answer after "
                                f"{time.monotonic() - t0:.2f}s: {e!r}")
        took = time.monotonic() - t0
        h.check(took <= OUTAGE_ANSWER_S, f"Redis {how}: {method} {path} took {took:.2f}s "
                f"(answer {resp[0]}), want <= {OUTAGE_ANSWER_S}s")
        return resp

    def check_503(resp, what):
        h.check_error(resp, 503, "unavailable", what=f"Redis {how}: {what}")
        ra = resp[1].get("Retry-After") or ""
        h.check(ra.strip().isdigit(), f"Redis {how}: {what}: Retry-After {ra!r}, want seconds")

    def readyz_503():
        resp = timed("GET", "/readyz")
        return resp if resp[0] == 503 else None
    resp = h.wait_until(readyz_503, OUTAGE_ANSWER_S, 0.05, f"/readyz to answer 503 after Redis {how}")
    h.check(time.monotonic() - t_stop <= OUTAGE_ANSWER_S + 0.5, f"/readyz took too long to notice Redis {how}")
    status, headers, body = resp
    h.check(body.get("status") == "unavailable" and isinstance(body.get("checks"), dict)
            and body["checks"].get("redis") not in (None, "ok"), f"Redis {how}: /readyz body {body}")
    ra = headers.get("Retry-After") or ""
    h.check(ra.strip().isdigit(), f"Redis {how}: /readyz Retry-After {ra!r}")
    h.log(f"Redis {how}: /readyz {status} {body} after {time.monotonic() - t_stop:.2f}s")

    check_503(timed("POST", "/v1/jobs", {"type": "echo", "queue": "counts"}), "POST /v1/jobs")
    check_503(timed("POST", "/v1/jobs/batch", {"jobs": [{"type": "echo", "queue": "counts"}]}),
              "POST /v1/jobs/batch")
    st, _, hb = timed("GET", "/healthz")
    h.check(st == 200, f"Redis {how}: /healthz must stay 200 while the process serves: {st} {hb}")
    h.log(f"Redis {how}: POST answered 503 with Retry-After")

    if how == "SIGSTOP":
        redis.kill(signal.SIGCONT)
    else:
        redis.start()
    t_back = time.monotonic()

    def ready_again():
        try:
            return client.request("GET", "/readyz")[0] == 200
        except OSError:
            return False
    h.wait_until(ready_again, RECOVER_S, 0.2, f"/readyz 200 after Redis is back ({how})")

    def post_again():
        try:
            st, _, b = client.request("POST", "/v1/jobs", {"type": "echo", "queue": "after-outage"})
        except OSError:
            return None
        return b if st == 201 else None
    job = h.wait_until(post_again, RECOVER_S, 0.2, f"POST /v1/jobs 201 after Redis is back ({how})")
    h.log(f"Redis {how}: recovered after {time.monotonic() - t_back:.2f}s")
    after = h.queue_stats(server, "counts")
    if how == "SIGSTOP":
        if after != before:  # a write sent before the timeout may still land when Redis resumes
            h.log(f"NOTE: after SIGSTOP/SIGCONT the counts of queue counts changed {before} -> {after}: "
                  "a request answered 503 was written after all")
    else:
        h.check(after == before, f"a request answered 503 wrote something: {before} -> {after}")
    client.close()
    return job["id"]


def test():
    with h.Sandbox("api_queues_workers") as sb:
        redis = sb.redis()
        server = sb.server(redis)
        health(server, "at start")
        workers_list(sb, server)
        queued = queue_counts(server)
        for how in ("SIGSTOP", "SIGTERM"):
            later = outage(redis, server, how)
            jobs = server.get_jobs(queued + [later])
            h.check(all(jobs[i]["status"] == "queued" for i in queued),
                    f"jobs from before the outage ({how}): {[jobs[i]['status'] for i in queued]}")
            health(server, f"after Redis {how}")


if __name__ == "__main__":
    h.main(test, "api_queues_workers")

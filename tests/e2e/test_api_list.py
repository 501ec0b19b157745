#!/usr/bin/env python3
"""Listing jobs (GET /v1/jobs): status=queued in delivery order (newest
first); paging with next_cursor returns every job exactly once and ends with
null; each status filter; no status = every job of the queue, newest created
first; the queue parameter; bad parameters are 400 validation_failed naming
the parameter."""

import time

import harness as h

QUEUED = 25


def page_through(server, limit, **params):
    """Pages with limit; returns (ids in order, page sizes)."""
    ids, sizes, cursor = [], [], None
    for _ in range(100):
        path = h.query("/v1/jobs", limit=limit, cursor=cursor, **params)
        status, headers, body = server.http("GET", path)
        h.check(status == 200, f"GET {path} -> {status} {body}")
        h.check(headers.get("Content-Type", "").startswith("application/json"), f"GET {path}: not JSON")
        h.check(set(body) == {"jobs", "next_cursor"}, f"GET {path}: body keys {sorted(body)}")
        h.check(len(body["jobs"]) <= limit, f"GET {path}: {len(body['jobs'])} jobs, over the limit {limit}")
        ids += [j["id"] for j in body["jobs"]]
        sizes.append(len(body["jobs"]))
        cursor = body["next_cursor"]
        h.check(cursor is None or (isinstance(cursor, str) and cursor), f"GET {path}: next_cursor {cursor!r}")
        if cursor is None:
            return ids, sizes
    raise h.TestFailure(f"paging {params} with limit {limit} never ended")


def ids_of(server, **params):
    return [j["id"] for j in h.list_jobs(server, **params)]


def queued_order_and_paging(server, created):
    newest_first = list(reversed(created))
    jobs = h.list_jobs(server, status="queued")
    positions = [created.index(j["id"]) for j in jobs if j["id"] in created]
    h.check([j["id"] for j in jobs] == newest_first, f"status=queued is not newest first: positions {positions}")
    h.check(all(j["status"] == "queued" and j["queue"] == "default" for j in jobs), "status=queued lists other jobs")
    h.check(jobs[0] == server.get_job(jobs[0]["id"]), "a listed job differs from GET /v1/jobs/{id}")

    ids, sizes = page_through(server, 7, status="queued")
    h.log(f"status=queued, limit=7: pages of {sizes}")
    h.check(sorted(ids) == sorted(created) and len(ids) == QUEUED,
            f"paging by 7 did not give each of the {QUEUED} jobs once: {len(ids)} ids, {len(set(ids))} distinct")
    h.check(ids == newest_first, "paging by 7 does not keep delivery order")
    h.check(sizes[:-1] == [7] * (len(sizes) - 1) and sizes[-1] <= 7, f"page sizes {sizes}")

    ids, sizes = page_through(server, 7)  # no status: newest created first
    h.check(ids == newest_first, f"no status, paging by 7: not every job newest first ({sizes})")
    default_limit = server.http("GET", "/v1/jobs?status=queued")[2]
    h.check(len(default_limit["jobs"]) == QUEUED and default_limit["next_cursor"] is None,
            f"default limit (50) should return all {QUEUED} at once: {len(default_limit['jobs'])} jobs, "
            f"next_cursor {default_limit['next_cursor']!r}")
    one = server.http("GET", "/v1/jobs?status=queued&limit=1")[2]
    h.check([j["id"] for j in one["jobs"]] == [created[-1]] and one["next_cursor"],
            f"limit=1: want the newest job and a cursor: {one}")
    h.log("queued order and paging ok")


def status_filters(sb, server):
    """Queue 'mixed': 3 succeeded, 2 dead, 2 cancelled, 2 scheduled."""
    q = "mixed"
    post = lambda spec: server.post_job(dict(spec, queue=q))["id"]  # noqa: E731
    created = []
    scheduled = [post({"type": "echo", "delay_ms": 600000}), post({"type": "echo", "delay_ms": 300000})]
    created += scheduled
    cancelled = [post({"type": "echo"}) for _ in range(2)]
    created += cancelled
    for job_id in cancelled:
        status, _, body = server.http("DELETE", f"/v1/jobs/{job_id}")
        h.check(status == 200 and body["status"] == "cancelled", f"DELETE {job_id} -> {status} {body}")
        time.sleep(0.01)
    succeeded, dead = [], []
    for i in range(3):
        succeeded.append(post({"type": "echo", "payload": {"i": i}}))
        if i < 2:
            dead.append(post({"type": "fail", "max_attempts": 1, "payload": {"message": f"m{i}"}}))
    created += [i for pair in zip(succeeded, dead + [None]) for i in pair if i]

    worker = sb.worker(server, concurrency=1, queues=q)
    server.wait_all_succeeded(succeeded, timeout=20)
    for job_id in dead:
        h.wait_job(server, job_id, "dead", timeout=20)
    worker.stop()

    def finished_desc(jobs):
        times = [h.parse_time(j["finished_at"]) for j in jobs]
        return all(a >= b for a, b in zip(times, times[1:]))

    for status, want in (("succeeded", succeeded), ("dead", dead), ("cancelled", cancelled)):
        jobs = h.list_jobs(server, queue=q, status=status)
        got = [j["id"] for j in jobs]
        h.check(sorted(got) == sorted(want), f"status={status}: got {got}, want {want}")
        h.check(all(j["status"] == status for j in jobs), f"status={status} lists other statuses")
        h.check(finished_desc(jobs), f"status={status}: not most recently finished first: "
                f"{[j['finished_at'] for j in jobs]}")
    got = ids_of(server, queue=q, status="scheduled")
    h.check(got == [scheduled[1], scheduled[0]], f"status=scheduled: want soonest run_at first {scheduled[::-1]}, "
            f"got {got}")
    for status in ("queued", "running"):
        got = ids_of(server, queue=q, status=status)
        h.check(got == [], f"status={status} in queue {q}: want none, got {got}")
    got = ids_of(server, queue=q)
    h.check(got == list(reversed(created)), f"no status: want every job of {q} newest created first\n"
            f"  want {list(reversed(created))}\n  got  {got}")
    h.log("status filters ok")
    return created


def queue_param(server, created_default, created_mixed):
    h.check(ids_of(server, queue="default") == ids_of(server) == list(reversed(created_default)),
            "queue=default must be the default and list only the default queue's jobs")
    h.check(sorted(ids_of(server, queue="mixed")) == sorted(created_mixed), "queue=mixed lists other jobs")
    other = server.post_job({"type": "echo", "queue": "other-q"})["id"]
    h.check(ids_of(server, queue="other-q") == [other], "queue=other-q")
    h.check(other not in ids_of(server), "a job of queue other-q is listed in default")
    resp = server.http("GET", "/v1/jobs?queue=never-used")  # the API leaves 200-empty or 404 open
    if resp[0] == 404:
        h.check_error(resp, 404, "not_found", what="GET /v1/jobs?queue=never-used")
    else:
        h.check(resp[0] == 200 and resp[2]["jobs"] == [] and resp[2]["next_cursor"] is None,
                f"a queue without jobs lists nothing: {resp[0]} {resp[2]}")
    h.log("queue parameter ok")


def bad_params(server):
    cases = [("status=bogus", "status"), ("status=QUEUED", "status"), ("limit=0", "limit"),
             ("limit=1001", "limit"), ("limit=x", "limit"), ("limit=-1", "limit"), ("limit=2.5", "limit"),
             ("cursor=%21%21not-a-cursor%21%21", "cursor"), ("queue=UPPER", "queue"),
             ("queue=" + "q" * 65, "queue")]
    failures = []
    for qs, field in cases:
        problems = h.error_problems(server.http("GET", f"/v1/jobs?{qs}"), 400, "validation_failed", field)
        failures += [f"GET /v1/jobs?{qs[:40]}: {p}" for p in problems]
    resp = server.http("GET", "/v1/jobs?foo=1")
    problems = h.error_problems(resp, 400, "validation_failed")
    err = resp[2].get("error", {}) if isinstance(resp[2], dict) else {}
    if not problems and (err.get("details") or {}).get("field") != "foo" and "foo" not in err.get("message", ""):
        problems.append(f"the error does not name the parameter foo: {err}")
    failures += [f"GET /v1/jobs?foo=1: {p}" for p in problems]
    h.check(not failures, "bad list parameters:\n  " + "\n  ".join(failures))
    h.log("bad parameters ok")


def test():
    with h.Sandbox("api_list") as sb:
        redis = sb.redis()
        server = sb.server(redis)
        created = []
        for i in range(QUEUED):
            created.append(server.post_job({"type": "echo", "payload": {"n": i}})["id"])
        queued_order_and_paging(server, created)
        mixed = status_filters(sb, server)
        queue_param(server, created, mixed)
        bad_params(server)


if __name__ == "__main__":
    h.main(test, "api_list")

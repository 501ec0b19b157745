#!/usr/bin/env python3
"""Jobs API (API.md, docs/api-decisions.md): create with defaults and with
every option; delayed jobs (delay_ms, run_at) stay scheduled until their time
and then run; a run_at in the past runs at once; unknown ids are 404; batches
are created in order, all or nothing, 1..1000 specs; retries with backoff end
succeeded or dead with last_error; a type without handler is dead at once."""

import re
import time
from datetime import timedelta, timezone

import harness as h

BACKOFF_MS = 100


def check_job_shape(job, what):
    h.check(isinstance(job, dict), f"{what}: not a job object: {job!r}")
    h.check(set(job) == h.JOB_FIELDS, f"{what}: fields {sorted(job)}; missing {sorted(h.JOB_FIELDS - set(job))}, "
            f"unexpected {sorted(set(job) - h.JOB_FIELDS)}")
    h.check(isinstance(job["id"], str) and re.fullmatch(r"[A-Za-z0-9._~-]{1,64}", job["id"]),
            f"{what}: id {job['id']!r} is not URL-safe or longer than 64")
    for field in ("created_at", "updated_at", "run_at", "started_at", "finished_at"):
        h.check(job[field] is None or h.RFC3339_US.match(job[field]),
                f"{what}: {field} {job[field]!r} is not RFC 3339 UTC with microseconds")


def create_defaults(server):
    status, headers, job = server.http("POST", "/v1/jobs", {"type": "echo"})
    h.check(status == 201, f"POST /v1/jobs {{type: echo}} -> {status} {job}")
    check_job_shape(job, "created job")
    location = headers.get("Location") or ""
    h.check(location.endswith(f"/v1/jobs/{job['id']}"), f"Location {location!r}, want /v1/jobs/{job['id']}")
    h.check(headers.get("Content-Type", "").startswith("application/json"), "201: not application/json")
    want = {"queue": "default", "type": "echo", "payload": {}, "status": "queued", "attempts": 0,
            "max_attempts": 3, "timeout_ms": 30000, "run_at": None, "started_at": None, "finished_at": None,
            "result": None, "last_error": None, "worker": None}
    diff = {k: (job[k], v) for k, v in want.items() if job[k] != v}
    h.check(not diff, f"created job differs from the defaults (got, want): {diff}")
    created = h.parse_time(job["created_at"])
    h.check(abs((created - h.now_utc()).total_seconds()) < 5, f"created_at {job['created_at']} is not now")
    h.check(h.parse_time(job["updated_at"]) >= created, f"updated_at before created_at: {job}")
    again = server.get_job(job["id"])
    h.check(again == job, f"GET of the new job differs from the 201 body:\n  {again}\n  {job}")
    h.log(f"defaults ok: {job['id']}")
    return job


def create_with_options(server):
    spec = {"type": "report.build", "queue": "reports_2-x", "max_attempts": 7, "timeout_ms": 1234,
            "payload": {"a": [1, 2.5, "x", None, True], "b": {"c": "ü"}}}
    job = server.post_job(spec)
    check_job_shape(job, "job with options")
    diff = {k: (job[k], v) for k, v in spec.items() if job[k] != v}
    h.check(not diff, f"created job does not keep its spec (got, want): {diff}")
    h.check(job["status"] == "queued" and job["attempts"] == 0, f"job with options: {job}")
    h.check(server.get_job(job["id"]) == job, "GET differs from the 201 body for the job with options")
    for payload in ("text", 42, [1, 2], {"deep": {"er": [None]}}):  # payload is any JSON value
        j = server.post_job({"type": "echo", "queue": "payloads", "payload": payload})
        h.check(j["payload"] == payload, f"payload {payload!r} came back as {j['payload']!r}")
    stats = h.queue_stats(server, "reports_2-x")
    h.check(stats is not None and stats["queued"] == 1, f"stats of queue reports_2-x: {stats}")
    h.log("options ok")


def unknown_ids(server):
    for job_id in ("01AAAAAAAAAAAAAAAAAAAAAAAA", "nope", "x" * 65, "a.b"):
        h.check_error(server.http("GET", f"/v1/jobs/{job_id}"), 404, "not_found", what=f"GET /v1/jobs/{job_id}")
    h.log("unknown ids ok")


def batches_without_worker(server):
    # a bad item at index 3: 400 with details.index, and nothing written
    seed = server.post_job({"type": "echo", "queue": "batchq"})
    before = h.queue_stats(server, "batchq")
    specs = [{"type": "echo", "queue": "batchq", "payload": {"n": i}} for i in range(6)]
    specs[3] = {"type": "bad type", "queue": "batchq"}
    resp = server.http("POST", "/v1/jobs/batch", {"jobs": specs})
    h.check_error(resp, 400, "validation_failed", "type", 3, what="batch with a bad type at index 3")
    specs[3] = {"type": "echo", "queue": "batchq", "max_attempts": 0}
    resp = server.http("POST", "/v1/jobs/batch", {"jobs": specs})
    h.check_error(resp, 400, "validation_failed", "max_attempts", 3, what="batch with max_attempts 0 at index 3")
    after = h.queue_stats(server, "batchq")
    h.check(after == before, f"a refused batch changed the queue stats: {before} -> {after}")
    listed = h.list_jobs(server, queue="batchq")
    h.check([j["id"] for j in listed] == [seed["id"]], f"a refused batch wrote jobs: {[j['id'] for j in listed]}")

    for what, body in (("empty list", {"jobs": []}),
                       ("1001 specs", {"jobs": [{"type": "echo", "queue": "batchq"}] * 1001}),
                       ("no jobs", {}), ("jobs not an array", {"jobs": {"type": "echo"}})):
        h.check_error(server.http("POST", "/v1/jobs/batch", body), 400, "validation_failed", "jobs",
                      what=f"batch with {what}")
    h.check(h.queue_stats(server, "batchq") == before, "a refused batch changed the queue stats")
    h.log("refused batches ok: nothing written")


def batch_runs(server):
    specs = [{"type": "echo", "payload": {"n": i}} for i in range(25)]
    status, _, body = server.http("POST", "/v1/jobs/batch", {"jobs": specs})
    h.check(status == 201, f"POST /v1/jobs/batch -> {status} {str(body)[:300]}")
    jobs = body.get("jobs") if isinstance(body, dict) else None
    h.check(isinstance(jobs, list) and len(jobs) == len(specs), f"batch answer is not 25 jobs: {str(body)[:300]}")
    for i, job in enumerate(jobs):
        check_job_shape(job, f"batch job {i}")
        h.check(job["payload"] == {"n": i} and job["status"] == "queued" and job["type"] == "echo",
                f"batch job {i} is not spec {i} queued: {job}")
    ids = [j["id"] for j in jobs]
    h.check(len(set(ids)) == len(ids), "batch ids are not unique")
    h.check(server.get_job(ids[7])["payload"] == {"n": 7}, "GET of a batch job")
    # 1000 specs is the maximum, and allowed
    status, _, big = server.http("POST", "/v1/jobs/batch",
                                 {"jobs": [{"type": "echo", "queue": "big", "payload": {"n": i}} for i in range(1000)]})
    h.check(status == 201 and len(big["jobs"]) == 1000, f"batch of 1000 -> {status} {str(big)[:200]}")
    h.check([j["payload"]["n"] for j in big["jobs"]] == list(range(1000)), "batch of 1000 out of order")
    stats = h.queue_stats(server, "big")
    h.check(stats and stats["queued"] == 1000, f"queue big after a batch of 1000: {stats}")
    return ids


def scheduled(server):
    """delay_ms and run_at (Z, offset, fraction) make scheduled jobs that run on time."""
    now = h.now_utc()
    at_z = (now + timedelta(seconds=2.5)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    tz2 = timezone(timedelta(hours=2))
    at_off = (now + timedelta(seconds=3)).astimezone(tz2).isoformat(timespec="milliseconds")  # +02:00
    cases = [("delay_ms 2000", {"type": "echo", "payload": {"k": "delay"}, "delay_ms": 2000}),
             ("run_at Z", {"type": "echo", "payload": {"k": "z"}, "run_at": at_z}),
             ("run_at +02:00", {"type": "echo", "payload": {"k": "off"}, "run_at": at_off})]
    jobs = {}
    for what, spec in cases:
        t0 = h.now_utc()
        job = server.post_job(spec)
        check_job_shape(job, what)
        h.check(job["status"] == "scheduled" and job["run_at"], f"{what}: want scheduled with run_at: {job}")
        run_at = h.parse_time(job["run_at"])
        if "delay_ms" in spec:
            want = t0 + timedelta(milliseconds=spec["delay_ms"])
            h.check(abs((run_at - want).total_seconds()) < 1.0, f"{what}: run_at {job['run_at']}, want about {want}")
        else:
            want = h.parse_time(spec["run_at"])
            h.check(abs((run_at - want).total_seconds()) < 1e-5,
                    f"{what}: run_at {job['run_at']} is not the requested {spec['run_at']}")
        jobs[job["id"]] = (what, run_at)

    # before their time they stay scheduled
    first = min(r for _, r in jobs.values())
    while h.now_utc() < first - timedelta(seconds=0.3):
        for job_id, (what, run_at) in jobs.items():
            job = server.get_job(job_id)
            if h.now_utc() < run_at - timedelta(seconds=0.2):
                h.check(job["status"] == "scheduled", f"{what}: {job['status']} before its run_at {run_at}: {job}")
        time.sleep(0.2)

    done = server.wait_all_succeeded(list(jobs), timeout=20)
    for job_id, (what, run_at) in jobs.items():
        started = h.parse_time(done[job_id]["started_at"])
        late = (started - run_at).total_seconds()
        h.log(f"{what}: run_at {run_at.isoformat()}, started {late * 1000:+.0f} ms after it")
        h.check(started >= run_at, f"{what}: started at {started}, before its run_at {run_at}")
        h.check(late <= 1.0, f"{what}: started {late:.2f}s after its run_at (want within 1 s)")
        h.check(done[job_id]["attempts"] == 1, f"{what}: attempts {done[job_id]['attempts']}")

    # run_at in the past and delay_ms 0: queued at once, runs at once
    past = (h.now_utc() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    p = server.post_job({"type": "echo", "run_at": past})
    h.check(p["status"] == "queued", f"run_at in the past: want queued, got {p}")
    h.check(p["run_at"] and abs((h.parse_time(p["run_at"]) - h.parse_time(past)).total_seconds()) < 1e-5,
            f"run_at in the past: run_at field {p['run_at']!r}, want {past}")
    z = server.post_job({"type": "echo", "delay_ms": 0})
    h.check(z["status"] == "queued", f"delay_ms 0: want queued, got {z}")
    server.wait_all_succeeded([p["id"], z["id"]], timeout=10)
    h.log("scheduled jobs ok")


def retries(server):
    flaky = server.post_job({"type": "flaky", "payload": {"fail_times": 1}})
    fail = server.post_job({"type": "fail", "max_attempts": 2, "payload": {"message": "boom: disk on fire"}})
    nohandler = server.post_job({"type": "no.such:handler-x", "max_attempts": 5})

    job = h.wait_job(server, flaky["id"], ("succeeded", "dead"), timeout=20)
    h.check(job["status"] == "succeeded" and job["attempts"] == 2,
            f"flaky fail_times 1 with backoff {BACKOFF_MS} ms: want succeeded after 2 attempts, got {job}")

    job = h.wait_job(server, fail["id"], ("succeeded", "dead"), timeout=20)
    h.check(job["status"] == "dead" and job["attempts"] == 2, f"fail, max_attempts 2: want dead after 2: {job}")
    h.check(job["last_error"] == "boom: disk on fire", f"fail: last_error {job['last_error']!r}, want its message")
    h.check(job["finished_at"] is not None, f"a dead job has finished_at: {job}")

    job = h.wait_job(server, nohandler["id"], ("succeeded", "dead"), timeout=20)
    h.check(job["status"] == "dead" and job["attempts"] == 1,
            f"a type without handler must be dead at once (attempts 1): {job}")
    h.check(isinstance(job["last_error"], str) and "no.such:handler-x" in job["last_error"],
            f"last_error of a type without handler must name the type: {job['last_error']!r}")
    h.log("retries ok")


def test():
    with h.Sandbox("api_jobs") as sb:
        redis = sb.redis()
        server = sb.server(redis, extra_env={"CSC_BACKOFF_MS": str(BACKOFF_MS), "CSC_BACKOFF_CAP_MS": "1000"})
        first = create_defaults(server)
        create_with_options(server)
        unknown_ids(server)
        batches_without_worker(server)

        sb.worker(server, concurrency=4)
        batch_ids = batch_runs(server)
        server.wait_all_succeeded(batch_ids + [first["id"]], timeout=30)
        h.log("batch jobs all succeeded")
        scheduled(server)
        retries(server)


if __name__ == "__main__":
    h.main(test, "api_jobs")

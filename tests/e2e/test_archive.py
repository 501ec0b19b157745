#!/usr/bin/env python3
"""e2e.archive: the PostgreSQL job-history archive (issue 8) with a real
PostgreSQL, Redis, jobstack-server and jobstack-worker.

Jobs finish (succeeded, dead, cancelled), are archived, expire from Redis
(retention 2 s) and are still readable through GET /v1/jobs/{id}, field for
field as Redis had them, and listable through GET /v1/jobs?status=..., paging
from Redis into the archive without a repeat or a gap. Then PostgreSQL stops
(fast shutdown) mid-run: jobs keep succeeding, stay in Redis past their
retention, a GET that needs the archive is 503; PostgreSQL restarts on the
same data and every job is archived once, none missing."""

import re
import time

import harness
from harness import Sandbox, check, log, query, wait_until

RETENTION_S = 2  # the settings allow 1
COMPARED = ("id", "queue", "type", "payload", "status", "attempts", "max_attempts", "timeout_ms", "created_at",
            "updated_at", "run_at", "started_at", "finished_at", "result", "last_error", "worker")


def submit(server, n, spec):
    return [server.post_job(dict(spec, payload=dict(spec.get("payload", {}), i=i)))["id"] for i in range(n)]


def wait_finished(server, ids, timeout=60):
    """{id: job} once every job has a finished status."""
    done = {}

    def poll():
        for job_id in [i for i in ids if i not in done]:
            job = server.get_job(job_id)
            if job["status"] in ("succeeded", "dead", "cancelled"):
                done[job_id] = job
        return len(done) == len(ids)
    wait_until(poll, timeout, 0.2, lambda: f"{len(ids) - len(done)} of {len(ids)} jobs to finish")
    return done


def archived_ids(pg):
    return {row[0] for row in pg.psql("SELECT id FROM job_history")}


def in_redis(redis, ids):
    return [i for i in ids if redis.command("EXISTS", f"jobstack:job:{i}")]


def list_all(server, status, limit, max_pages=200):
    """Every job of GET /v1/jobs?status=... page by page (bounded)."""
    jobs, cursor = [], None
    for _ in range(max_pages):
        code, _, body = server.http("GET", query("/v1/jobs", status=status, limit=limit, cursor=cursor))
        check(code == 200, f"list {status} cursor {cursor} -> {code} {body}")
        jobs += body["jobs"]
        cursor = body["next_cursor"]
        if cursor is None:
            return jobs
    raise harness.TestFailure(f"list {status}: still paging after {max_pages} pages")


def check_listing(server, status, want, limit):
    jobs = list_all(server, status, limit)
    ids = [j["id"] for j in jobs]
    check(len(ids) == len(set(ids)), f"list {status}: {len(ids) - len(set(ids))} job(s) repeated")
    check(set(ids) == set(want), f"list {status}: missing {sorted(set(want) - set(ids))[:5]}, "
                                 f"unexpected {sorted(set(ids) - set(want))[:5]}")
    keys = [(harness.parse_time(j["finished_at"]), j["id"]) for j in jobs]
    check(keys == sorted(keys, reverse=True), f"list {status}: not most recently finished first")
    log(f"list {status} (limit {limit}): {len(ids)} jobs, none repeated or missing")


def check_same(server, snapshot):
    for job_id, before in snapshot.items():
        now = server.get_job(job_id)
        diff = [f for f in COMPARED if now.get(f) != before.get(f)]
        check(not diff, f"job {job_id} from the archive differs in {diff}: {now} vs {before}")


def metric(server, name):
    code, _, text = server.http("GET", "/metrics")
    check(code == 200, f"/metrics -> {code}")
    m = re.search(rf"^{name}(?:{{[^}}]*}})? ([0-9.e+-]+)$", text, re.M)
    return float(m.group(1)) if m else None


def log_count(proc, text):
    return proc.err_path.read_text(errors="replace").count(text)


def test():
    with Sandbox("archive") as sb:
        redis = sb.redis()
        pg = sb.postgres()
        server = sb.server(redis, extra_env=dict(pg.server_env(), CSC_JOBS_RETENTION_S=str(RETENTION_S)))
        sb.worker(server, concurrency=4)

        # -- jobs finish, are archived, and expire from Redis -------------
        ok = submit(server, 23, {"type": "echo", "payload": {"k": "v"}})
        dead = submit(server, 5, {"type": "fail", "max_attempts": 1, "payload": {"message": "boom"}})
        cancelled = submit(server, 4, {"type": "echo", "delay_ms": 600000})
        for job_id in cancelled:
            code, _, body = server.http("DELETE", f"/v1/jobs/{job_id}")
            check(code == 200, f"cancel {job_id} -> {code} {body}")
        first = ok + dead + cancelled
        snapshot = wait_finished(server, first)
        check(all(snapshot[i]["status"] == "succeeded" for i in ok), "an echo job did not succeed")
        check(all(snapshot[i]["status"] == "dead" for i in dead), "a fail job did not end dead")
        wait_until(lambda: archived_ids(pg) >= set(first), 30, 0.2, "the first jobs to be archived")
        wait_until(lambda: not in_redis(redis, first), 30, 0.2,
                   lambda: f"{len(in_redis(redis, first))} archived job(s) to expire from Redis")
        log(f"{len(first)} jobs archived and gone from Redis")
        check_same(server, snapshot)
        check_listing(server, "succeeded", ok, limit=5)
        check_listing(server, "dead", dead, limit=2)
        check_listing(server, "cancelled", cancelled, limit=50)
        code, _, _ = server.http("GET", "/v1/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV")
        check(code == 404, f"GET of an unknown job with the archive up -> {code}, want 404")

        # -- PostgreSQL stops: processing goes on, nothing expires ---------
        pg.stop()
        during = submit(server, 30, {"type": "echo"})
        snapshot.update(server.wait_all_succeeded(during, 60))
        time.sleep(RETENTION_S + 1.5)  # past the retention: unarchived jobs must not expire
        check(not [i for i in during if i not in in_redis(redis, during)],
              "a job expired from Redis before it was archived")
        check(all(redis.command("TTL", f"jobstack:job:{i}") == -1 for i in during),
              "an unarchived job has an expiry")
        wait_until(lambda: metric(server, "jobstack_archive_up") == 0, 10, 0.2, "jobstack_archive_up to be 0")
        check((metric(server, "jobstack_archive_backlog") or 0) >= len(during),
              f"backlog gauge {metric(server, 'jobstack_archive_backlog')}, want >= {len(during)}")
        check(log_count(server, "PostgreSQL archive unavailable") == 1,
              "want one warning per outage, got "
              f"{log_count(server, 'PostgreSQL archive unavailable')}")
        harness.check_error(server.http("GET", "/v1/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV"), 503, "unavailable",
                            what="GET of a job only the archive could know, archive down")
        code, _, body = server.http("GET", query("/v1/jobs", status="succeeded", limit=1000))
        check(code == 200 and {j["id"] for j in body["jobs"]} == set(during),
              f"the Redis page of a listing must not need the archive: {code} {str(body)[:300]}")
        check(body["next_cursor"] and body["next_cursor"].startswith("a:"), f"next_cursor {body['next_cursor']}")
        harness.check_error(server.http("GET", query("/v1/jobs", status="succeeded", cursor=body["next_cursor"])),
                            503, "unavailable", what="an archive page, archive down")

        # -- PostgreSQL is back: everything is archived, once --------------
        pg.start()
        every = set(first) | set(during)
        wait_until(lambda: archived_ids(pg) == every, 30, 0.2, "every job to be archived after the restart")
        wait_until(lambda: redis.command("ZCARD", "jobstack:archive") == 0, 10, 0.2, "an empty archive backlog")
        check(pg.psql("SELECT count(*), count(DISTINCT id) FROM job_history") == [[str(len(every))] * 2],
              "job_history has duplicates or extra rows")
        check(log_count(server, "PostgreSQL archive reachable again") == 1, "no 'reachable again' line")
        wait_until(lambda: not in_redis(redis, during), 30, 0.2, "the jobs of the outage to expire from Redis")
        check_same(server, snapshot)
        check_listing(server, "succeeded", ok + during, limit=7)
        check((metric(server, "jobstack_archive_jobs_total") or 0) >= len(every), "jobstack_archive_jobs_total")
        check(metric(server, "jobstack_archive_up") == 1, "jobstack_archive_up is not 1 after the restart")
        migrations = pg.psql("SELECT version FROM schema_migrations ORDER BY version")
        check(migrations and migrations[0] == ["001_job_history"], f"schema_migrations: {migrations}")


if __name__ == "__main__":
    harness.main(test, "e2e.archive")

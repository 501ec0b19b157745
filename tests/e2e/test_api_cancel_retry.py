#!/usr/bin/env python3
"""Cancel and retry: DELETE cancels queued and scheduled jobs (and they never
run), answers 409 for running/finished jobs and 404 for unknown ones; retry
brings dead and cancelled jobs back to queued with attempts 0 and they run
again, 409 otherwise. A race of 200 cancels against a worker: each job ends
either cancelled (never started) or succeeded (its cancel got 409), never both."""

import random
import threading
import time
from datetime import timedelta

import harness as h

RACE_JOBS, RACE_THREADS = 200, 8
CLEARED = ("result", "last_error", "started_at", "finished_at", "worker")


def cancel(server, job_id, client=None):
    return (client or server.client).request("DELETE", f"/v1/jobs/{job_id}")


def check_cancelled(resp, job_id, what):
    status, headers, job = resp
    h.check(status == 200, f"cancel {what}: {status} {job}")
    h.check(headers.get("Content-Type", "").startswith("application/json"), f"cancel {what}: not JSON")
    h.check(job["id"] == job_id and job["status"] == "cancelled", f"cancel {what}: {job}")
    h.check(job["finished_at"] is not None and job["attempts"] == 0 and job["started_at"] is None,
            f"cancel {what}: want finished_at set, attempts 0, never started: {job}")
    return job


def check_conflict(resp, what, status_name=None):
    err = h.check_error(resp, 409, "conflict", what=what)
    if status_name:
        h.check(status_name in err["message"], f"{what}: the 409 message should name status {status_name!r}: {err}")


def cancel_before_worker(server):
    queued = server.post_job({"type": "echo", "payload": {"k": "cancel-me"}})
    scheduled = server.post_job({"type": "echo", "delay_ms": 1000})
    h.check(scheduled["status"] == "scheduled", f"delay_ms 1000 should be scheduled: {scheduled}")
    before = h.queue_stats(server)
    c1 = check_cancelled(cancel(server, queued["id"]), queued["id"], "a queued job")
    check_cancelled(cancel(server, scheduled["id"]), scheduled["id"], "a scheduled job")
    h.check(server.get_job(queued["id"]) == c1, "GET after cancel differs from the DELETE answer")
    after = h.queue_stats(server)
    h.check(after["queued"] == before["queued"] - 1 and after["scheduled"] == before["scheduled"] - 1
            and after["cancelled"] == before["cancelled"] + 2, f"stats after 2 cancels: {before} -> {after}")
    check_conflict(cancel(server, queued["id"]), "cancel a cancelled job", "cancelled")
    for job_id in ("01AAAAAAAAAAAAAAAAAAAAAAAA", "no-such-job", "x" * 80):
        h.check_error(cancel(server, job_id), 404, "not_found", what=f"cancel unknown {job_id[:20]}")
        h.check_error(server.http("POST", f"/v1/jobs/{job_id}/retry"), 404, "not_found",
                      what=f"retry unknown {job_id[:20]}")
    h.log("cancel of queued and scheduled jobs ok")
    return [queued["id"], scheduled["id"]]


def never_run(server, ids):
    """With a worker running, a canary runs and the cancelled jobs do not,
    also after the scheduled one's time has passed."""
    canary = server.post_job({"type": "echo"})
    server.wait_all_succeeded([canary["id"]], timeout=15)
    time.sleep(1.5)
    for job_id in ids:
        job = server.get_job(job_id)
        h.check(job["status"] == "cancelled" and job["attempts"] == 0 and job["started_at"] is None
                and job["worker"] is None, f"a cancelled job ran: {job}")
    h.log("cancelled jobs never ran")


def cancel_running_and_finished(server):
    job = server.post_job({"type": "sleep", "payload": {"ms": 2500}})
    h.wait_job(server, job["id"], "running", timeout=10, interval=0.05)
    check_conflict(cancel(server, job["id"]), "cancel a running job", "running")
    done = h.wait_job(server, job["id"], ("succeeded", "dead", "cancelled"), timeout=15)
    h.check(done["status"] == "succeeded", f"the running job whose cancel got 409 must still succeed: {done}")
    check_conflict(cancel(server, job["id"]), "cancel a succeeded job", "succeeded")
    check_conflict(server.http("POST", f"/v1/jobs/{job['id']}/retry"), "retry a succeeded job")
    h.log("cancel of running and succeeded jobs: 409 ok")


def check_retried(resp, job_id, what):
    status, _, job = resp
    h.check(status == 200, f"retry {what}: {status} {job}")
    h.check(job["id"] == job_id and job["status"] == "queued" and job["attempts"] == 0,
            f"retry {what}: want queued with attempts 0: {job}")
    h.check(all(job[k] is None for k in CLEARED), f"retry {what}: {CLEARED} must be cleared: {job}")
    return job


def retry(server):
    dead = server.post_job({"type": "fail", "max_attempts": 1, "payload": {"message": "nope"}})
    first = h.wait_job(server, dead["id"], "dead", timeout=15)
    h.check(first["attempts"] == 1 and first["last_error"] == "nope", f"dead job: {first}")
    t_retry = h.now_utc()
    check_retried(server.http("POST", f"/v1/jobs/{dead['id']}/retry"), dead["id"], "a dead job")
    again = h.wait_job(server, dead["id"], "dead", timeout=15)  # `fail` fails again: it did run
    h.check(again["attempts"] == 1 and h.parse_time(again["started_at"]) >= t_retry - timedelta(seconds=0.05),
            f"the retried dead job should have run once more after the retry: {again}")

    idle = server.post_job({"type": "echo", "queue": "idle", "payload": {"k": "retry-cancelled"}})
    check_cancelled(cancel(server, idle["id"]), idle["id"], "a queued job of queue idle")
    check_retried(server.http("POST", f"/v1/jobs/{idle['id']}/retry", {"ignored": True}), idle["id"],
                  "a cancelled job (with an ignored body)")
    stats = h.queue_stats(server, "idle")
    h.check(stats["queued"] == 1 and stats["cancelled"] == 0, f"stats of idle after the retry: {stats}")
    check_conflict(server.http("POST", f"/v1/jobs/{idle['id']}/retry"), "retry a queued job")

    cancelled = server.post_job({"type": "echo", "delay_ms": 600000, "payload": {"k": "runs-after-retry"}})
    check_cancelled(cancel(server, cancelled["id"]), cancelled["id"], "a scheduled job")
    check_retried(server.http("POST", f"/v1/jobs/{cancelled['id']}/retry"), cancelled["id"], "a cancelled job")
    ran = server.wait_all_succeeded([cancelled["id"]], timeout=15)[cancelled["id"]]
    h.check(ran["attempts"] == 1 and ran["result"] == {"k": "runs-after-retry"}, f"retried cancelled job: {ran}")
    h.log("retry ok")


def race(server):
    status, _, body = server.http("POST", "/v1/jobs/batch",
                                  {"jobs": [{"type": "sleep", "queue": "race", "payload": {"ms": 10}}
                                            for _ in range(RACE_JOBS)]})
    h.check(status == 201, f"batch of {RACE_JOBS} -> {status} {str(body)[:200]}")
    ids = [j["id"] for j in body["jobs"]]
    order = ids[:]
    random.Random(7).shuffle(order)
    outcome, errors, lock = {}, [], threading.Lock()
    start = threading.Barrier(RACE_THREADS)

    def run(part):
        client = h.Client(server.http_port)
        try:
            start.wait(10)
            for job_id in part:
                st, _, b = cancel(server, job_id, client)
                with lock:
                    outcome[job_id] = (st, b)
        except Exception as e:  # reported below
            with lock:
                errors.append(repr(e))
        finally:
            client.close()

    threads = [threading.Thread(target=run, args=(order[i::RACE_THREADS],)) for i in range(RACE_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    h.check(not errors and len(outcome) == RACE_JOBS, f"cancel threads failed: {errors[:3]}; {len(outcome)} answers")

    bad = {i: o for i, o in outcome.items() if o[0] not in (200, 409)}
    h.check(not bad, f"cancels answered neither 200 nor 409: {list(bad.items())[:3]}")
    won = [i for i in ids if outcome[i][0] == 200]
    lost = [i for i in ids if outcome[i][0] == 409]
    h.log(f"race: {len(won)} cancelled, {len(lost)} already delivered (409)")
    for job_id in won:
        b = outcome[job_id][1]
        h.check(b["status"] == "cancelled" and b["attempts"] == 0, f"a 200 cancel answered {b}")
    for job_id in lost:
        h.check(outcome[job_id][1]["error"]["code"] == "conflict", f"a 409 cancel answered {outcome[job_id][1]}")

    done = server.wait_all_succeeded(lost, timeout=60)
    for job_id in won:
        job = server.get_job(job_id)
        h.check(job["status"] == "cancelled" and job["attempts"] == 0 and job["started_at"] is None,
                f"a job whose cancel got 200 was delivered anyway: {job}")
    h.check(all(j["attempts"] >= 1 for j in done.values()), "a succeeded job without attempts")
    h.check(won and lost, f"the race did not race: {len(won)} cancelled, {len(lost)} delivered first")
    time.sleep(0.5)
    stats = h.queue_stats(server, "race")
    want = {"name": "race", "queued": 0, "scheduled": 0, "running": 0, "succeeded": len(lost), "dead": 0,
            "cancelled": len(won)}
    h.check(stats == want, f"stats of queue race after the race: {stats}, want {want}")
    listed = {j["id"]: j["status"] for j in h.list_jobs(server, queue="race")}
    h.check(sorted(listed) == sorted(ids), f"listing queue race: {len(listed)} jobs, want {RACE_JOBS}")
    h.log("race ok: none lost, none both cancelled and run")


def test():
    with h.Sandbox("api_cancel_retry") as sb:
        redis = sb.redis()
        server = sb.server(redis)
        cancelled = cancel_before_worker(server)
        sb.worker(server, concurrency=4, queues="default,race")
        never_run(server, cancelled)
        cancel_running_and_finished(server)
        retry(server)
        race(server)


if __name__ == "__main__":
    h.main(test, "api_cancel_retry")

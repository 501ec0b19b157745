#!/usr/bin/env python3
"""openapi.yaml against the real server: every route is called in its main
success and error cases, and harness.py checks each response against the
document (tests/e2e/contract.py: the status is documented for the operation,
the body validates against its schema, the documented headers are there).
Then every operation of the document must have been exercised, and
GET /openapi.yaml must serve the file itself."""

import os
import time
import urllib.parse

os.environ["JOBSTACK_CONTRACT"] = "1"  # this test is the contract check: always on

import contract  # noqa: E402
import harness as h  # noqa: E402

JSON = {"Content-Type": "application/json"}


def expect(server, method, path, want_status, body=None, headers=None):
    """One request on the server's connection (checked against the document by
    the harness); fails unless the status is want_status. Returns (headers, body)."""
    status, got_headers, got = server.http(method, path, body, headers)
    h.check(status == want_status, f"{method} {path}: status {status}, want {want_status}; body {str(got)[:300]}")
    h.log(f"ok: {method} {path} -> {status}")
    return got_headers, got


def jobs_part(server):
    """createJob, createJobBatch, getJob, listJobs, cancelJob, retryJob."""
    # createJob: 201 with Location; 200 on an idempotent repeat; 400; 415
    headers, job = expect(server, "POST", "/v1/jobs", 201, {"type": "echo", "payload": {"n": 1}})
    h.check(headers.get("Location", "").endswith(f"/v1/jobs/{job['id']}"), f"Location {headers.get('Location')!r}")
    key = {"Idempotency-Key": f"contract-{os.getpid()}-{time.time_ns()}"}
    _, first = expect(server, "POST", "/v1/jobs", 201, {"type": "echo"}, key)
    _, again = expect(server, "POST", "/v1/jobs", 200, {"type": "echo"}, key)
    h.check(again["id"] == first["id"], f"idempotent repeat made a new job: {first['id']} then {again['id']}")
    expect(server, "POST", "/v1/jobs", 400, b"{not json", JSON)
    expect(server, "POST", "/v1/jobs", 400, {"type": "echo", "bogus": 1})
    expect(server, "POST", "/v1/jobs", 415, b'{"type":"echo"}', {"Content-Type": "text/plain"})

    # createJobBatch: 201, 200 on a repeat, 400 on an empty list and on a bad spec
    _, batch = expect(server, "POST", "/v1/jobs/batch", 201, {"jobs": [{"type": "echo"}, {"type": "echo"}]})
    h.check(len(batch["jobs"]) == 2, f"batch of 2 answered {len(batch['jobs'])} jobs")
    key = {"Idempotency-Key": f"contract-batch-{os.getpid()}-{time.time_ns()}"}
    expect(server, "POST", "/v1/jobs/batch", 201, {"jobs": [{"type": "echo"}]}, key)
    expect(server, "POST", "/v1/jobs/batch", 200, {"jobs": [{"type": "echo"}]}, key)
    expect(server, "POST", "/v1/jobs/batch", 400, {"jobs": []})
    expect(server, "POST", "/v1/jobs/batch", 400, {"jobs": [{"type": "echo"}, {"type": "a b"}]})

    # getJob: 200 (and the job runs: a succeeded job validates too), 404
    expect(server, "GET", f"/v1/jobs/{job['id']}", 200)
    done = h.wait_until(lambda: (lambda j: j if j["status"] == "succeeded" else None)(server.get_job(job["id"])),
                        30, 0.1, f"job {job['id']} to succeed")
    h.check(done["result"] == {"n": 1}, f"echo result {done['result']!r}")
    expect(server, "GET", "/v1/jobs/doesnotexist", 404)
    expect(server, "GET", "/v1/jobs/" + "x" * 65, 404)

    # listJobs: 200 with a next_cursor, the next page, 400 on a bad status
    _, page = expect(server, "GET", "/v1/jobs?queue=default&limit=2", 200)
    h.check(page["next_cursor"] is not None, f"6+ jobs listed 2 at a time gave no next_cursor: {page}")
    cursor = urllib.parse.quote(page["next_cursor"], safe="")
    expect(server, "GET", f"/v1/jobs?queue=default&limit=2&cursor={cursor}", 200)
    expect(server, "GET", "/v1/jobs?status=succeeded", 200)
    expect(server, "GET", "/v1/jobs?status=bogus", 400)

    # cancelJob: 200 on a scheduled job, 409 on the cancelled one, 404
    _, later = expect(server, "POST", "/v1/jobs", 201, {"type": "echo", "delay_ms": 600000})
    h.check(later["status"] == "scheduled", f"delay_ms 600000 made a {later['status']} job")
    _, cancelled = expect(server, "DELETE", f"/v1/jobs/{later['id']}", 200)
    h.check(cancelled["status"] == "cancelled", f"DELETE answered a {cancelled['status']} job")
    expect(server, "DELETE", f"/v1/jobs/{later['id']}", 409)
    expect(server, "DELETE", "/v1/jobs/doesnotexist", 404)

    # retryJob: 200 on the cancelled job, 409 on a succeeded one, 404
    _, retried = expect(server, "POST", f"/v1/jobs/{later['id']}/retry", 200)
    h.check(retried["status"] == "queued" and retried["attempts"] == 0, f"retry answered {retried}")
    expect(server, "POST", f"/v1/jobs/{job['id']}/retry", 409)
    expect(server, "POST", "/v1/jobs/doesnotexist/retry", 404)


def queues_workers_part(server, worker):
    _, queues = expect(server, "GET", "/v1/queues", 200)
    h.check("default" in [q["name"] for q in queues["queues"]], f"queue default not listed: {queues}")
    expect(server, "GET", "/v1/queues/default", 200)
    expect(server, "GET", "/v1/queues/nosuchqueue", 404)
    _, workers = expect(server, "GET", "/v1/workers", 200)
    h.check(any(w["id"] == worker.worker_id or w["id"].startswith(worker.worker_id) for w in workers["workers"]),
            f"worker {worker.worker_id} not in {workers}")


def ops_part(server):
    expect(server, "GET", "/healthz", 200)
    expect(server, "GET", "/readyz", 200)
    headers, text = expect(server, "GET", "/metrics", 200)
    h.check(isinstance(text, str) and text.strip(), f"/metrics body is empty or not text: {str(text)[:200]!r}")
    headers, text = expect(server, "GET", "/openapi.yaml", 200)
    want = (h.REPO_ROOT / "openapi.yaml").read_text(encoding="utf-8")
    h.check(text == want, f"GET /openapi.yaml is not the file openapi.yaml ({len(text or '')} vs {len(want)} chars)")
    headers, page = expect(server, "GET", "/swagger", 200)
    h.check("swagger-ui" in (page or ""), f"/swagger does not look like Swagger UI: {str(page)[:300]!r}")
    expect(server, "GET", "/swagger/swagger-ui.css", 200)
    expect(server, "GET", "/swagger/no-such-asset.js", 404)
    # not operations, but checked all the same: a wrong method, an unknown route
    expect(server, "PUT", "/v1/jobs", 405, b"{}", JSON)
    expect(server, "GET", "/v1/nope", 404)


def unavailable_part(server, redis):
    """With Redis gone: /readyz 503 and a write 503, both with Retry-After."""
    redis.stop()

    def readyz_503():
        status, _, _ = server.http("GET", "/readyz")
        return status == 503
    h.wait_until(readyz_503, 15, 0.2, "GET /readyz to answer 503 with Redis stopped")
    expect(server, "POST", "/v1/jobs", 503, {"type": "echo"})


def test():
    with h.Sandbox("openapi_contract") as sb:
        redis = sb.redis()
        server = sb.server(redis)
        worker = sb.worker(server, concurrency=2)
        jobs_part(server)
        queues_workers_part(server, worker)
        ops_part(server)
        unavailable_part(server, redis)

        doc = contract.get()
        missing = sorted(doc.operations() - doc.exercised(), key=lambda mt: (mt[1], mt[0]))
        h.check(not missing, "operations of openapi.yaml that this test never exercised: "
                + ", ".join(f"{m} {t}" for m, t in missing))
        h.check(not contract.violations(), "contract violations:\n" + "\n".join(contract.violations()))
        h.log(f"all {len(doc.operations())} operations of openapi.yaml exercised; every response matched it")


if __name__ == "__main__":
    h.main(test, "openapi_contract")

#!/usr/bin/env python3
"""HTTP error contract (API.md): each bad request gets its status and error
code, every error body is {"error": {"code", "message"}} as application/json,
and a valid POST afterwards still answers 201 with the defaults filled in."""

import re

import harness as h

JSON = {"Content-Type": "application/json"}
RFC3339_US = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")

# (what, method, path, body, headers, status, code, details.field or None)
CASES = [
    ("non-JSON body", "POST", "/v1/jobs", b"{not json", JSON, 400, "invalid_json", None),
    ("missing type", "POST", "/v1/jobs", b'{"payload":{}}', JSON, 400, "validation_failed", "type"),
    ("bad type", "POST", "/v1/jobs", b'{"type":"a b"}', JSON, 400, "validation_failed", "type"),
    ("unknown field", "POST", "/v1/jobs", b'{"type":"echo","bogus":1}', JSON, 400, "validation_failed", None),
    ("max_attempts 0", "POST", "/v1/jobs", b'{"type":"echo","max_attempts":0}', JSON, 400,
     "validation_failed", "max_attempts"),
    ("text/plain body", "POST", "/v1/jobs", b'{"type":"echo"}', {"Content-Type": "text/plain"}, 415,
     "unsupported_media_type", None),
    ("unknown job", "GET", "/v1/jobs/doesnotexist", None, {}, 404, "not_found", None),
    ("unknown route", "GET", "/nope", None, {}, 404, "not_found", None),
    ("wrong method", "PUT", "/v1/jobs", b"{}", JSON, 405, "method_not_allowed", None),
]


def check_created(server):
    status, headers, job = server.http("POST", "/v1/jobs", {"type": "echo"})
    h.check(status == 201, f"valid POST after the errors: status {status}, body {job!r}")
    h.check(isinstance(job, dict) and isinstance(job.get("id"), str)
            and re.fullmatch(r"[A-Za-z0-9._~-]{1,64}", job["id"]), f"bad job id in {job!r}")
    location = headers.get("Location") or ""
    h.check(location.endswith(f"/v1/jobs/{job['id']}"), f"Location {location!r}, want /v1/jobs/{job['id']}")
    want = {"status": "queued", "attempts": 0, "max_attempts": 3, "timeout_ms": 30000, "queue": "default",
            "payload": {}, "type": "echo", "started_at": None, "finished_at": None, "result": None,
            "worker": None}
    diff = {k: (job.get(k, "<missing>"), v) for k, v in want.items() if job.get(k, "<missing>") != v}
    h.check(not diff, f"created job differs from the defaults (got, want): {diff}")
    h.check(RFC3339_US.match(job.get("created_at") or ""), f"created_at {job.get('created_at')!r} is not "
            "RFC 3339 UTC with microseconds")
    status, headers, again = server.http("GET", f"/v1/jobs/{job['id']}")
    h.check(status == 200 and again.get("id") == job["id"], f"GET of the new job: {status} {again!r}")
    h.check(headers.get("Content-Type", "").startswith("application/json"), "GET job: not application/json")


def test():
    with h.Sandbox("http_errors") as sb:
        redis = sb.redis()
        server = sb.server(redis)
        failures = []
        for what, method, path, body, headers, status, code, field in CASES:
            got = server.http(method, path, body, headers)
            problems = h.error_problems(got, status, code, field)
            allow = got[1].get("Allow") or ""
            if status == 405 and "POST" not in allow:
                problems.append(f"Allow header {allow!r} should list POST")
            h.log(f"{'ok' if not problems else 'WRONG'}: {what}: {method} {path} -> {got[0]} {got[2]!r}")
            failures += [f"{what} ({method} {path}): {p}" for p in problems]
        h.check(not failures, "error responses break the contract:\n  " + "\n  ".join(failures))
        check_created(server)


if __name__ == "__main__":
    h.main(test, "http_errors")

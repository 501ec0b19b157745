#!/usr/bin/env python3
"""Authorization end to end (API.md "Authorization"). A server with auth on
and a read-only, a write and an admin token (hashed by `jobstack-ctl
hash-token -`) plus an HS256 JWT key: no token or a wrong one is 401 with
`WWW-Authenticate: Bearer`, a write with the read token 403, with the write
token 201; GET /v1/workers needs admin; /healthz, /readyz, /metrics stay
open; a JWT with a scope works, an expired one is 401. No token or secret
appears in any log. Then a server with a rate limit answers 429 with
Retry-After once a token's burst is spent, other tokens still pass, and the
limited one passes again after Retry-After. Every response is also checked
against openapi.yaml (JOBSTACK_CONTRACT=1)."""

import base64
import hashlib
import hmac
import json
import secrets
import subprocess
import time

import harness as h

JSON = {"Content-Type": "application/json"}
HS256_SECRET = secrets.token_urlsafe(32)


def hash_token(token):
    """The SHA-256 hex of token as jobstack-ctl prints it (token on stdin)."""
    ctl = h.BIN_DIR / "jobstack-ctl"
    p = subprocess.run([str(ctl), "hash-token", "-"], input=(token + "\n").encode(), capture_output=True,
                       timeout=10, cwd=h.REPO_ROOT)
    out = p.stdout.decode().strip()
    h.check(p.returncode == 0, f"jobstack-ctl hash-token -: exit {p.returncode}, stderr {p.stderr!r}")
    h.check(out == hashlib.sha256(token.encode()).hexdigest(), f"jobstack-ctl hash-token printed {out!r}")
    h.check(token not in p.stderr.decode() + out, "jobstack-ctl hash-token printed the token")
    return out


def check_hash_token_cli():
    """The other forms of `jobstack-ctl hash-token`: TOKEN as an argument,
    and a token that cannot be a bearer token (exit 2, not echoed)."""
    ctl = str(h.BIN_DIR / "jobstack-ctl")
    p = subprocess.run([ctl, "hash-token", "test"], capture_output=True, timeout=10, cwd=h.REPO_ROOT)
    want = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    h.check(p.returncode == 0 and p.stdout.decode().strip() == want, f"hash-token test: {p}")
    p = subprocess.run([ctl, "hash-token", "-"], input=b"has space-secret\n", capture_output=True, timeout=10,
                       cwd=h.REPO_ROOT)
    h.check(p.returncode == 2 and b"space-secret" not in p.stdout + p.stderr,
            f"hash-token of a bad token: exit {p.returncode}, {p.stdout!r} {p.stderr!r}")


def check_bad_settings():
    """Each bad auth setting stops the server at once: exit 2, one line on
    stderr naming the setting, and no secret in it."""
    digest = hashlib.sha256(b"x").hexdigest()
    secret = "short-" + secrets.token_hex(4)
    cases = [
        ({"CSC_AUTH_ENABLED": "true"}, "auth.enabled"),
        ({"CSC_AUTH_ENABLED": "maybe"}, "auth.enabled"),
        ({"CSC_AUTH_TOKENS": f"ci:{digest}"}, "auth.tokens"),
        ({"CSC_AUTH_TOKENS": f"ci:{digest[:-1]}z:admin"}, "auth.tokens"),
        ({"CSC_AUTH_TOKENS": f"ci:{digest}:jobs:all"}, "auth.tokens"),
        ({"CSC_AUTH_JWT_RS256_PUBLIC_KEY_FILE": "/nonexistent/jwt.pem"}, "auth.jwt_rs256_public_key_file"),
        ({"CSC_AUTH_JWT_HS256_SECRET": secret}, "auth.jwt_hs256_secret"),
        ({"CSC_HTTP_RATE_LIMIT": "fast"}, "CSC_HTTP_RATE_LIMIT"),
    ]
    for env, name in cases:
        rc, _, err = h.run_to_exit("jobstack-server", env=env)
        lines = err.strip().splitlines()
        h.check(rc == 2 and len(lines) == 1 and name in lines[0],
                f"{env}: want exit 2 and one line naming {name}; got {rc}, {err[-600:]!r}")
        h.check(secret not in err and digest not in err, f"{env}: stderr shows a secret or hash: {err!r}")
    h.log(f"ok: {len(cases)} bad auth settings refused with one line each")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_jwt(claims):
    signed = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + b64url(json.dumps(claims).encode())
    return signed + "." + b64url(hmac.new(HS256_SECRET.encode(), signed.encode(), hashlib.sha256).digest())


def refused(resp, status, code, what):
    h.check_error(resp, status, code, what=what)
    return resp[1]


def check_refusals(port, tokens):
    nobody = h.Client(port, token=None)
    wrong = h.Client(port, token=tokens["wrong"])
    reader = h.Client(port, token=tokens["reader"])
    headers = refused(nobody.request("GET", "/v1/jobs"), 401, "unauthorized", "GET /v1/jobs without a token")
    h.check(headers.get("WWW-Authenticate") == "Bearer", f"WWW-Authenticate {headers.get('WWW-Authenticate')!r}")
    headers = refused(wrong.request("POST", "/v1/jobs", {"type": "echo"}), 401, "unauthorized",
                      "POST /v1/jobs with a wrong token")
    h.check((headers.get("WWW-Authenticate") or "").startswith('Bearer error="invalid_token"'),
            f"WWW-Authenticate {headers.get('WWW-Authenticate')!r}, want Bearer error=\"invalid_token\"")
    refused(reader.request("POST", "/v1/jobs", {"type": "echo"}), 403, "forbidden",
            "POST /v1/jobs with the read token")
    h.log("ok: 401 without and with a wrong token, 403 for a write with the read token")


def check_scopes(port, tokens):
    reader, writer, admin = (h.Client(port, token=tokens[n]) for n in ("reader", "writer", "admin"))
    status, headers, job = writer.request("POST", "/v1/jobs", {"type": "echo", "payload": {"auth": 1}})
    h.check(status == 201, f"POST /v1/jobs with the write token -> {status} {job}")
    status, _, got = reader.request("GET", f"/v1/jobs/{job['id']}")
    h.check(status == 200 and got["id"] == job["id"], f"GET the job with the read token -> {status} {got}")
    refused(writer.request("GET", f"/v1/jobs/{job['id']}"), 403, "forbidden", "GET a job with the write token")
    refused(reader.request("DELETE", f"/v1/jobs/{job['id']}"), 403, "forbidden", "DELETE with the read token")
    status, _, _ = reader.request("GET", "/v1/queues")
    h.check(status == 200, f"GET /v1/queues with the read token -> {status}")
    for name, client in (("read", reader), ("write", writer)):
        refused(client.request("GET", "/v1/workers"), 403, "forbidden", f"GET /v1/workers with the {name} token")
    status, _, body = admin.request("GET", "/v1/workers")
    h.check(status == 200 and body["workers"], f"GET /v1/workers with the admin token -> {status} {body}")
    status, _, _ = admin.request("POST", "/v1/jobs", {"type": "echo"})
    h.check(status == 201, f"POST /v1/jobs with the admin token -> {status}")
    h.log("ok: scopes: 201 with the write token, reads with the read token, /v1/workers only with admin")


def check_open_ops(port):
    nobody = h.Client(port, token=None)
    for path in ("/healthz", "/readyz", "/metrics", "/openapi.yaml"):
        status, _, _ = nobody.request("GET", path)
        h.check(status == 200, f"GET {path} without a token -> {status}, want 200 (open)")
    h.log("ok: /healthz, /readyz, /metrics, /openapi.yaml open without a token")


def check_jwt(port):
    now = int(time.time())
    good = hs256_jwt({"sub": "e2e-bot", "scope": "jobs:read", "exp": now + 300})
    expired = hs256_jwt({"sub": "e2e-bot", "scope": "jobs:read admin", "exp": now - 3600})
    status, _, _ = h.Client(port, token=good).request("GET", "/v1/queues")
    h.check(status == 200, f"GET /v1/queues with a jobs:read JWT -> {status}")
    refused(h.Client(port, token=good).request("POST", "/v1/jobs", {"type": "echo"}), 403, "forbidden",
            "POST with a jobs:read JWT")
    refused(h.Client(port, token=expired).request("GET", "/v1/queues"), 401, "unauthorized", "an expired JWT")
    h.log("ok: an HS256 JWT with scope jobs:read reads, not writes; an expired one is 401")
    return [good, expired]


def check_logs(sb, server, secret_values):
    """After the server stopped (logs flushed): no token or secret anywhere."""
    server.stop()
    logs = {p.name: p.read_bytes() for p in sb.dir.rglob("*.log")}
    h.check(logs, f"no log files in {sb.dir}")
    h.check(any(b"authorization on: 3 token(s) (reader, writer, root)" in data for data in logs.values()),
            "the server did not log 'authorization on: 3 token(s) (reader, writer, root)'")
    for name, data in logs.items():
        for value in secret_values:
            h.check(value.encode() not in data, f"{name} contains a token or secret")
    h.log(f"ok: none of {len(secret_values)} tokens and secrets in {len(logs)} log files")


def check_rate_limit(sb, redis, env, tokens):
    limited = sb.server(redis, name="server-limited",
                        extra_env=dict(env, CSC_HTTP_RATE_LIMIT="1", CSC_HTTP_RATE_BURST="3"))
    reader = h.Client(limited.http_port, token=tokens["reader"])
    answers = [reader.request("GET", "/v1/queues") for _ in range(6)]
    statuses = [a[0] for a in answers]
    h.check(statuses[:3] == [200, 200, 200] and 429 in statuses[3:],
            f"6 quick GETs with a burst of 3 answered {statuses}, want 200 x3 then 429")
    resp = next(a for a in answers if a[0] == 429)
    h.check_error(resp, 429, "rate_limited", what="over the rate limit")
    retry = resp[1].get("Retry-After") or ""
    h.check(retry.isdigit() and int(retry) >= 1, f"Retry-After {retry!r}, want whole seconds >= 1")
    status, _, _ = h.Client(limited.http_port, token=tokens["admin"]).request("GET", "/v1/queues")
    h.check(status == 200, f"another token while the read token is limited -> {status}, want 200")
    status, _, _ = h.Client(limited.http_port, token=None).request("GET", "/healthz")
    h.check(status == 200, f"GET /healthz while limited -> {status}, want 200 (not limited)")
    time.sleep(int(retry) + 0.2)
    status, _, _ = reader.request("GET", "/v1/queues")
    h.check(status == 200, f"after Retry-After ({retry} s) the read token -> {status}, want 200")
    h.log(f"ok: rate limit: {statuses}, Retry-After {retry}; other tokens pass; refilled after it")


def test():
    check_hash_token_cli()
    check_bad_settings()
    tokens = {name: f"{name}-" + secrets.token_urlsafe(24) for name in ("reader", "writer", "admin", "wrong")}
    entries = [f"reader:{hash_token(tokens['reader'])}:jobs:read",
               f"writer:{hash_token(tokens['writer'])}:jobs:write",
               f"root:{hash_token(tokens['admin'])}:admin"]
    env = {"CSC_AUTH_ENABLED": "true", "CSC_AUTH_TOKENS": ",".join(entries),
           "CSC_AUTH_JWT_HS256_SECRET": HS256_SECRET}
    with h.Sandbox("auth") as sb:
        redis = sb.redis()
        server = sb.server(redis, extra_env=dict(env, CSC_LOG_FILE=str(sb.dir / "server-json.log")))
        sb.worker(server, concurrency=1)
        check_refusals(server.http_port, tokens)
        check_scopes(server.http_port, tokens)
        check_open_ops(server.http_port)
        jwts = check_jwt(server.http_port)
        check_logs(sb, server, [*tokens.values(), *jwts, HS256_SECRET])
        check_rate_limit(sb, redis, env, tokens)


if __name__ == "__main__":
    h.main(test, "auth")

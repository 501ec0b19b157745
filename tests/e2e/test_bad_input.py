#!/usr/bin/env python3
"""Bad input: every malformed request gets its status and error code as
{"error": {"code", "message"}} in application/json, writes nothing (queue
stats unchanged) and leaves the server serving: bad JSON, bad fields, bodies
over the limit, wrong Content-Type, deep nesting, long URLs and keys, header
floods, and slow clients (closed after CSC_HTTP_READ_TIMEOUT_MS while others
are served)."""

import io
import json
import socket
import time
from http import client as http_client

import harness as h

LIMIT = 1048576          # CSC_HTTP_MAX_BODY_BYTES default
READ_TIMEOUT_MS = 1000   # CSC_HTTP_READ_TIMEOUT_MS for this test
JSON = {"Content-Type": "application/json"}
CLOSED = "closed"        # a raw exchange ended without any response
TIMED_OUT = "timed out"  # ... or with neither a response nor a close in time


def body_of_size(n):
    """A valid job spec of exactly n bytes."""
    head, tail = b'{"type":"echo","payload":"', b'"}'
    return head + b"a" * (n - len(head) - len(tail)) + tail


def nested(depth, open_=b"[", close=b"]"):
    return open_ * depth + close * depth


# (what, body, headers, status, code, field)
CASES = [
    ("not JSON", b"this is not json", JSON, 400, "invalid_json", None),
    ("empty body", b"", JSON, 400, "invalid_json", None),
    ("truncated JSON", b'{"type":"echo","payload":{"a":[1,2', JSON, 400, "invalid_json", None),
    ("invalid UTF-8 in a string", b'{"type":"echo","payload":{"s":"\xc3\x28"}}', JSON, 400, "invalid_json", None),
    ("invalid UTF-8 in type", b'{"type":"ech\xff"}', JSON, 400, "invalid_json", None),
    ("a JSON array", b'[{"type":"echo"}]', JSON, 400, "validation_failed", None),
    ("a number", b"42", JSON, 400, "validation_failed", None),
    ("null", b"null", JSON, 400, "validation_failed", None),
    ("missing type", b'{"payload":{}}', JSON, 400, "validation_failed", "type"),
    ("empty type", b'{"type":""}', JSON, 400, "validation_failed", "type"),
    ("type with a space", b'{"type":"a b"}', JSON, 400, "validation_failed", "type"),
    ("type with a slash", b'{"type":"a/b"}', JSON, 400, "validation_failed", "type"),
    ("type not a string", b'{"type":7}', JSON, 400, "validation_failed", "type"),
    ("129-character type", json.dumps({"type": "t" * 129}).encode(), JSON, 400, "validation_failed", "type"),
    ("upper-case queue", b'{"type":"echo","queue":"Default"}', JSON, 400, "validation_failed", "queue"),
    ("empty queue", b'{"type":"echo","queue":""}', JSON, 400, "validation_failed", "queue"),
    ("65-character queue", json.dumps({"type": "echo", "queue": "q" * 65}).encode(), JSON, 400,
     "validation_failed", "queue"),
    ("max_attempts 0", b'{"type":"echo","max_attempts":0}', JSON, 400, "validation_failed", "max_attempts"),
    ("max_attempts 101", b'{"type":"echo","max_attempts":101}', JSON, 400, "validation_failed", "max_attempts"),
    ('max_attempts "3"', b'{"type":"echo","max_attempts":"3"}', JSON, 400, "validation_failed", "max_attempts"),
    ("max_attempts 3.5", b'{"type":"echo","max_attempts":3.5}', JSON, 400, "validation_failed", "max_attempts"),
    ("timeout_ms 0", b'{"type":"echo","timeout_ms":0}', JSON, 400, "validation_failed", "timeout_ms"),
    ("timeout_ms 86400001", b'{"type":"echo","timeout_ms":86400001}', JSON, 400, "validation_failed",
     "timeout_ms"),
    ("delay_ms -1", b'{"type":"echo","delay_ms":-1}', JSON, 400, "validation_failed", "delay_ms"),
    ("delay_ms 31536000001", b'{"type":"echo","delay_ms":31536000001}', JSON, 400, "validation_failed",
     "delay_ms"),
    ("unknown field", b'{"type":"echo","bogus":1}', JSON, 400, "validation_failed", "bogus"),
    ("run_at with delay_ms", b'{"type":"echo","delay_ms":10,"run_at":"2030-01-01T00:00:00Z"}', JSON, 400,
     "validation_failed", "run_at"),
    ("malformed run_at", b'{"type":"echo","run_at":"tomorrow"}', JSON, 400, "validation_failed", "run_at"),
    ("run_at month 13", b'{"type":"echo","run_at":"2030-13-01T00:00:00Z"}', JSON, 400, "validation_failed",
     "run_at"),
    ("run_at without offset", b'{"type":"echo","run_at":"2030-01-01T00:00:00"}', JSON, 400,
     "validation_failed", "run_at"),
    ("run_at a number", b'{"type":"echo","run_at":1893456000}', JSON, 400, "validation_failed", "run_at"),
    ("first bad field alphabetically", b'{"type":"a b","max_attempts":0}', JSON, 400, "validation_failed",
     "max_attempts"),
    ("first bad field alphabetically (2)", b'{"type":"","queue":"BAD"}', JSON, 400, "validation_failed", "queue"),
    ("payload nested 100 deep", b'{"type":"echo","payload":' + nested(100) + b"}", JSON, 400,
     "validation_failed", "payload"),
    ("payload of 100000 nested arrays", b'{"type":"echo","payload":' + nested(100000) + b"}", JSON, 400,
     "validation_failed", "payload"),
    ("payload of 100000 nested objects", b'{"type":"echo","payload":' + b'{"a":' * 100000 + b"1"
     + b"}" * 100000 + b"}", JSON, 400, "validation_failed", "payload"),
    ("text/plain", b'{"type":"echo"}', {"Content-Type": "text/plain"}, 415, "unsupported_media_type", None),
    ("no Content-Type", b'{"type":"echo"}', {}, 415, "unsupported_media_type", None),
    ("form Content-Type", b'type=echo', {"Content-Type": "application/x-www-form-urlencoded"}, 415,
     "unsupported_media_type", None),
    ("text/plain and not JSON (415 first)", b"not json", {"Content-Type": "text/plain"}, 415,
     "unsupported_media_type", None),
    ("Idempotency-Key of 201 characters", b'{"type":"echo"}', dict(JSON, **{"Idempotency-Key": "k" * 201}), 400,
     "validation_failed", "Idempotency-Key"),
]

BATCH_CASES = [
    ("batch of 100000 nested arrays", b'{"jobs":[{"type":"echo","payload":' + nested(100000) + b"}]}", JSON, 400,
     "validation_failed", "jobs"),
    ("batch not JSON", b'{"jobs":[', JSON, 400, "invalid_json", None),
    ("batch text/plain", b'{"jobs":[{"type":"echo"}]}', {"Content-Type": "text/plain"}, 415,
     "unsupported_media_type", None),
]


# -- raw sockets -----------------------------------------------------------------

def parse_response(data):
    """(status, headers, body) from raw bytes of one response, or None."""
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep:
        return None
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
        return None
    headers = http_client.parse_headers(io.BytesIO(b"\r\n".join(lines[1:]) + b"\r\n\r\n"))
    length = int(headers.get("Content-Length") or len(rest))
    if len(rest) < length:
        return None
    text = rest[:length].decode("utf-8", errors="replace")
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = text
    return int(parts[1]), headers, body


def raw(port, data, timeout=10):
    """Sends data on a fresh connection, then reads one response. Returns
    (status, headers, body), or CLOSED if the server closed (or reset) the
    connection without one, or TIMED_OUT if neither came within timeout."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer (or close) before reading it all
        buf, deadline = b"", time.monotonic() + timeout
        while time.monotonic() < deadline:
            parsed = parse_response(buf)
            if parsed:
                return parsed
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                chunk = b""
            except socket.timeout:
                break
            if not chunk:
                return parse_response(buf) or CLOSED
            buf += chunk
        h.log(f"no response and no close within {timeout}s (got {buf[:200]!r})")
        return TIMED_OUT


def request_bytes(method, path, body=b"", headers=None, content_length=None):
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    # Under JOBSTACK_E2E_AUTH the token too, or every case would be a 401.
    lines += [f"{k}: {v}" for k, v in {**h.auth_headers(), **(headers or {})}.items()]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body) if content_length is None else content_length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


# -- the checks ------------------------------------------------------------------

class Checker:
    def __init__(self, server):
        self.server, self.port = server, server.http_port
        self.failures = []
        self.baseline = self.snapshot()

    def snapshot(self):
        status, _, body = h.http(self.port, "GET", "/v1/queues")
        h.check(status == 200, f"GET /v1/queues -> {status} {body}")
        return body

    def after(self, what):
        """Nothing written, and the server still answers."""
        try:
            now = self.snapshot()
        except (OSError, http_client.HTTPException) as e:
            raise h.TestFailure(f"after {what}: the server does not answer any more: {e!r}")
        if now != self.baseline:
            self.failures.append(f"{what}: something was written: {self.baseline} -> {now}")
            self.baseline = now

    def expect(self, what, resp, status, code, field=None, allow_closed=False):
        if resp == TIMED_OUT:
            h.log(f"WRONG: {what}: neither a response nor a close")
            self.failures.append(f"{what}: neither a response nor a close in time, want {status} {code}")
        elif resp == CLOSED:
            ok = allow_closed
            h.log(f"{'ok' if ok else 'WRONG'}: {what}: connection closed without a response")
            if not ok:
                self.failures.append(f"{what}: connection closed without a response, want {status} {code}")
        else:
            problems = h.error_problems(resp, status, code, field)
            h.log(f"{'ok' if not problems else 'WRONG'}: {what}: {resp[0]} {str(resp[2])[:160]}")
            self.failures += [f"{what}: {p}" for p in problems]
        self.after(what)


def body_cases(c):
    for path, cases in (("/v1/jobs", CASES), ("/v1/jobs/batch", BATCH_CASES)):
        for what, body, headers, status, code, field in cases:
            try:
                resp = h.http(c.port, "POST", path, body, headers)
            except (OSError, http_client.HTTPException) as e:
                c.failures.append(f"{what}: no response: {e!r}")
                c.after(what)
                continue
            c.expect(f"POST {path}: {what}", resp, status, code, field)


def size_cases(c):
    port = c.port
    for what, n in (("limit+1 bytes", LIMIT + 1), ("2x the limit", 2 * LIMIT)):
        t0 = time.monotonic()
        c.expect(f"body of {what}", raw(port, request_bytes("POST", "/v1/jobs", body_of_size(n), JSON)),
                 413, "payload_too_large")
        h.log(f"  ({time.monotonic() - t0:.2f}s)")
    c.expect("body of 5x the limit", raw(port, request_bytes("POST", "/v1/jobs", body_of_size(5 * LIMIT), JSON)),
             413, "payload_too_large", allow_closed=True)
    c.expect("over the limit and not JSON (413 before 400)",
             raw(port, request_bytes("POST", "/v1/jobs", b"x" * (LIMIT + 10), JSON)), 413, "payload_too_large")
    c.expect("over the limit and text/plain (415 first)",
             raw(port, request_bytes("POST", "/v1/jobs", body_of_size(LIMIT + 10), {"Content-Type": "text/plain"})),
             415, "unsupported_media_type")
    c.expect("batch over the limit",
             raw(port, request_bytes("POST", "/v1/jobs/batch",
                                     b'{"jobs":[' + b",".join([b'{"type":"echo"}'] * 70000) + b"]}", JSON)),
             413, "payload_too_large")
    t0 = time.monotonic()
    resp = raw(port, request_bytes("POST", "/v1/jobs", b'{"type":"e', JSON, content_length=100 * 1024 * 1024),
               timeout=5)
    took = time.monotonic() - t0
    c.expect(f"Content-Length 100 MB with 10 bytes sent ({took:.2f}s)", resp, 413, "payload_too_large",
             allow_closed=True)
    if took > 5:
        c.failures.append(f"Content-Length 100 MB: the answer took {took:.2f}s, want < 5 s")


def url_and_header_cases(c):
    port = c.port
    c.expect("URL of 20000 characters", raw(port, request_bytes("GET", "/v1/jobs/" + "a" * 20000)),
             414, "uri_too_long")
    c.expect("URL of 20000 characters (query)", raw(port, request_bytes("GET", "/v1/jobs?queue=" + "q" * 20000)),
             414, "uri_too_long")
    c.expect("URL of 100000 characters", raw(port, request_bytes("GET", "/v1/jobs/" + "a" * 100000)),
             414, "uri_too_long", allow_closed=True)
    flood = {f"X-Flood-{i}": f"v{i}" for i in range(300)}
    c.expect("300 header fields", raw(port, request_bytes("POST", "/v1/jobs", b'{"type":"echo"}',
                                                          dict(JSON, **flood))), 431, "headers_too_large")
    c.expect("300 header fields (GET)", raw(port, request_bytes("GET", "/healthz", b"", flood)),
             431, "headers_too_large")
    some = {f"X-Some-{i}": "v" for i in range(50)}
    resp = raw(port, request_bytes("GET", "/healthz", b"", some))
    if resp in (CLOSED, TIMED_OUT) or resp[0] != 200:
        c.failures.append(f"GET /healthz with 50 extra headers: {resp if isinstance(resp, str) else resp[0]}, "
                          "want 200")


def slow_clients(c):
    """With CSC_HTTP_READ_TIMEOUT_MS=1000, incomplete requests are closed
    within ~3 s, while another connection is served normally."""
    partial = {
        "half a request line": b"GET /v1/jo",
        "half the headers": b"POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl",
        "headers but half the body": request_bytes("POST", "/v1/jobs", b'{"type":"e', JSON, content_length=15),
        "nothing at all": b"",
    }
    socks = {}
    for what, data in partial.items():
        s = socket.create_connection(("127.0.0.1", c.port), timeout=10)
        if data:
            s.sendall(data)
        socks[what] = (s, time.monotonic())
    trickle = socket.create_connection(("127.0.0.1", c.port), timeout=10)
    trickle_start = time.monotonic()
    trickle_bytes = request_bytes("GET", "/healthz", b"", {"X-Slow": "x" * 200})[:-4]
    trickle_state = {"sent": 0, "at": 0.0}

    def feed():  # the trickling client sends one more byte every 0.1 s
        now, i = time.monotonic(), trickle_state["sent"]
        if i < len(trickle_bytes) and now - trickle_state["at"] >= 0.1:
            try:
                trickle.send(trickle_bytes[i:i + 1])
            except OSError:
                pass
            trickle_state.update(sent=i + 1, at=now)
    try:
        # meanwhile another client is served at once
        for _ in range(5):
            t0 = time.monotonic()
            status, _, body = h.http(c.port, "GET", "/healthz")
            took = time.monotonic() - t0
            if status != 200 or took > 0.5:
                c.failures.append(f"while slow clients are open: GET /healthz -> {status} in {took:.2f}s")
            t0 = time.monotonic()
            status, _, body = h.http(c.port, "POST", "/v1/jobs", b'{"type":"echo","queue":"fast"}', JSON)
            took = time.monotonic() - t0
            if status != 201 or took > 1.0:
                c.failures.append(f"while slow clients are open: POST /v1/jobs -> {status} in {took:.2f}s")
            feed()

        def closed_at(s, started, deadline_s, feed=None):
            """Seconds after `started` when the server closed s (any response
            before the close is allowed, e.g. 408), or None if still open."""
            s.settimeout(0.05)
            while time.monotonic() - started < deadline_s:
                if feed:
                    feed()
                try:
                    if s.recv(65536) == b"":
                        return time.monotonic() - started
                except socket.timeout:
                    continue
                except (ConnectionResetError, BrokenPipeError):
                    return time.monotonic() - started
            return None

        for what, (s, started) in socks.items():
            took = closed_at(s, started, 3.0, feed)
            h.log(f"slow client, {what}: {'closed after %.2fs' % took if took is not None else 'STILL OPEN after 3 s'}")
            if took is None:
                c.failures.append(f"slow client ({what}): the connection is still open 3 s later "
                                  f"(CSC_HTTP_READ_TIMEOUT_MS={READ_TIMEOUT_MS})")

        took = closed_at(trickle, trickle_start, 4.0, feed)
        h.log(f"trickling client: {'closed after %.2fs' % took if took is not None else 'STILL OPEN after 4 s'}")
        if took is None:
            c.failures.append("a client trickling one header byte every 0.1 s is still open after 4 s "
                              f"(CSC_HTTP_READ_TIMEOUT_MS={READ_TIMEOUT_MS})")
    finally:
        for s, _ in socks.values():
            s.close()
        trickle.close()
    c.baseline = c.snapshot()  # the fast POSTs wrote queue 'fast'


def valid_requests(c):
    """The server still serves, and the limits are not too strict."""
    failures = []
    for what, body, headers in (
            ("a valid job", b'{"type":"echo"}', JSON),
            ("Content-Type with charset", b'{"type":"echo"}', {"Content-Type": "application/json; charset=utf-8"}),
            ("a 128-character type", json.dumps({"type": "T" * 128}).encode(), JSON),
            ("max_attempts 100, timeout_ms 86400000",
             b'{"type":"echo","max_attempts":100,"timeout_ms":86400000,"queue":"' + b"q" * 64 + b'"}', JSON),
            ("payload nested 30 deep", b'{"type":"echo","payload":' + nested(30) + b"}", JSON),
            ("a 200-character Idempotency-Key", b'{"type":"echo"}', dict(JSON, **{"Idempotency-Key": "k" * 200})),
            ("unicode in the payload", '{"type":"echo","payload":{"s":"h\u00e9 \u2603 \U0001F600"}}'.encode(), JSON)):
        status, _, job = h.http(c.port, "POST", "/v1/jobs", body, headers)
        if status != 201:
            failures.append(f"{what}: {status} {str(job)[:200]}")
    resp = raw(c.port, request_bytes("POST", "/v1/jobs", body_of_size(LIMIT), JSON))
    if resp in (CLOSED, TIMED_OUT) or resp[0] != 201:
        failures.append(f"a body of exactly the limit ({LIMIT} bytes): "
                        f"{resp if isinstance(resp, str) else (resp[0], str(resp[2])[:200])}, want 201")
    h.check(not failures, "valid requests refused:\n  " + "\n  ".join(failures))
    job = h.http(c.port, "POST", "/v1/jobs", b'{"type":"echo","payload":{"s":"h\xc3\xa9"}}', JSON)[2]
    h.check(h.http(c.port, "GET", f"/v1/jobs/{job['id']}")[2]["payload"] == {"s": "h\u00e9"}, "UTF-8 round trip")
    h.log("valid requests ok")


def test():
    with h.Sandbox("bad_input") as sb:
        redis = sb.redis()
        server = sb.server(redis, extra_env={"CSC_HTTP_READ_TIMEOUT_MS": str(READ_TIMEOUT_MS)})
        server.post_job({"type": "echo"})  # queue default exists
        c = Checker(server)
        body_cases(c)
        size_cases(c)
        url_and_header_cases(c)
        slow_clients(c)
        h.check(server.healthy(), "the server stopped answering /healthz")
        failures = list(c.failures)
        try:
            valid_requests(c)
        except h.TestFailure as e:
            failures.append(str(e))
        h.check(server.running(), "the server exited")
        h.check(not failures, f"{len(failures)} problem(s) with bad input:\n  " + "\n  ".join(failures))


if __name__ == "__main__":
    h.main(test, "bad_input")

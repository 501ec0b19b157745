#!/usr/bin/env python3
"""Idempotency-Key: a repeat returns the first job with 200 and writes
nothing, also for 20 concurrent requests with one key (exactly one 201) and
for batches; different keys make different jobs; a malformed key (too long,
not printable ASCII) is 400 validation_failed on field Idempotency-Key."""

import threading

import harness as h

CONCURRENT = 20


def post(server, body, key, path="/v1/jobs", client=None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return (client or server.client).request("POST", path, body, headers)


def all_ids(server, queue="default"):
    return [j["id"] for j in h.list_jobs(server, queue=queue)]


def repeat(server):
    before = h.queue_stats(server)
    status, headers, first = post(server, {"type": "echo", "payload": {"n": 1}}, "key-repeat-1")
    h.check(status == 201, f"first POST with a key -> {status} {first}")
    h.check((headers.get("Location") or "").endswith(f"/v1/jobs/{first['id']}"), "first POST: Location")
    status, headers, second = post(server, {"type": "echo", "payload": {"n": 1}}, "key-repeat-1")
    h.check(status == 200, f"repeat with the same key: want 200, got {status} {second}")
    h.check(second["id"] == first["id"], f"repeat returned another job: {second['id']} != {first['id']}")
    h.check(headers.get("Content-Type", "").startswith("application/json"), "repeat: not JSON")
    # the body of a repeat is not compared
    status, _, third = post(server, {"type": "something.else", "queue": "elsewhere"}, "key-repeat-1")
    h.check(status == 200 and third["id"] == first["id"] and third["type"] == "echo",
            f"repeat with another body must return the first job: {status} {third}")
    after = h.queue_stats(server)
    h.check(after["queued"] == before["queued"] + 1, f"queued count {before['queued']} -> {after['queued']}, want +1")
    h.check(h.queue_stats(server, "elsewhere") is None, "a repeat with another body created queue 'elsewhere'")
    h.check(all_ids(server).count(first["id"]) == 1 and len(all_ids(server)) == before["queued"] + 1,
            "the listing does not hold exactly one more job")
    h.log("repeat ok")
    return first["id"]


def concurrent(server):
    before = all_ids(server)
    results, errors, lock = [], [], threading.Lock()
    barrier = threading.Barrier(CONCURRENT)

    def one(i):
        client = h.Client(server.http_port)
        try:
            client.request("GET", "/healthz")  # connect before the barrier
            barrier.wait(10)
            st, _, body = post(server, {"type": "echo", "payload": {"thread": i}}, "key-concurrent", client=client)
            with lock:
                results.append((st, body.get("id") if isinstance(body, dict) else body))
        except Exception as e:
            with lock:
                errors.append(repr(e))
        finally:
            client.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(CONCURRENT)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    h.check(not errors and len(results) == CONCURRENT, f"threads failed: {errors[:3]}")
    statuses = sorted(st for st, _ in results)
    ids = {i for _, i in results}
    h.log(f"{CONCURRENT} concurrent requests with one key: statuses {statuses}, ids {ids}")
    h.check(statuses == [200] * (CONCURRENT - 1) + [201],
            f"want exactly one 201 and {CONCURRENT - 1} x 200, got {statuses}")
    h.check(len(ids) == 1, f"concurrent requests with one key got different jobs: {ids}")
    after = all_ids(server)
    new = [i for i in after if i not in before]
    h.check(new == list(ids), f"concurrent requests with one key wrote {len(new)} jobs: {new}")
    h.log("concurrent ok")


def different_keys(server):
    a = post(server, {"type": "echo"}, "key-a")
    b = post(server, {"type": "echo"}, "key-b")
    c = post(server, {"type": "echo"}, None)
    d = post(server, {"type": "echo"}, None)
    h.check(all(r[0] == 201 for r in (a, b, c, d)), f"different keys / no key: {[r[0] for r in (a, b, c, d)]}")
    h.check(len({r[2]["id"] for r in (a, b, c, d)}) == 4, "different keys (or none) must make different jobs")
    # limits: 1 and 200 printable characters are fine, spaces and ~ included
    for key in ("k", "x" * 200, "A key with spaces ~!@#$%^&*()_+{}|:<>?"):
        r1, r2 = post(server, {"type": "echo"}, key), post(server, {"type": "echo"}, key)
        h.check(r1[0] == 201 and r2[0] == 200 and r1[2]["id"] == r2[2]["id"],
                f"key {key[:30]!r} ({len(key)} chars): {r1[0]} {r2[0]}")
    h.log("different keys ok")


def malformed_keys(server):
    before = h.queue_stats(server)
    for what, key in (("201 characters", "k" * 201), ("a tab inside", "ab\tcd"),
                      ("a non-ASCII byte", "caf\u00e9")):  # http.client sends it as the byte 0xE9
        for path, body in (("/v1/jobs", {"type": "echo"}), ("/v1/jobs/batch", {"jobs": [{"type": "echo"}]})):
            h.check_error(post(server, body, key, path), 400, "validation_failed", "Idempotency-Key",
                          what=f"POST {path} with a key of {what}")
    h.check(h.queue_stats(server) == before, "a malformed key wrote something")
    h.log("malformed keys ok")


def batch(server):
    before = h.queue_stats(server)
    body = {"jobs": [{"type": "echo", "payload": {"n": i}} for i in range(5)]}
    st1, _, first = post(server, body, "key-batch", "/v1/jobs/batch")
    h.check(st1 == 201 and len(first["jobs"]) == 5, f"batch with a key -> {st1} {str(first)[:200]}")
    st2, _, second = post(server, body, "key-batch", "/v1/jobs/batch")
    h.check(st2 == 200, f"batch repeated with its key: want 200, got {st2} {str(second)[:200]}")
    h.check([j["id"] for j in second["jobs"]] == [j["id"] for j in first["jobs"]],
            "the repeated batch returned other ids or another order")
    after = h.queue_stats(server)
    h.check(after["queued"] == before["queued"] + 5, f"queued {before['queued']} -> {after['queued']}, want +5")
    h.log("batch ok")


def test():
    with h.Sandbox("api_idempotency") as sb:
        redis = sb.redis()
        server = sb.server(redis)
        server.post_job({"type": "echo"})  # the queue exists from here on
        repeat(server)
        concurrent(server)
        different_keys(server)
        malformed_keys(server)
        batch(server)


if __name__ == "__main__":
    h.main(test, "api_idempotency")

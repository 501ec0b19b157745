#!/usr/bin/env python3
"""Redis faults under a stream of POSTs from a few threads, a worker running
throughout. (a) Redis frozen (SIGSTOP) for 5 s: every POST is answered within
2.5 s, those sent during the freeze with 503 `unavailable` and Retry-After;
/readyz is 503 within 3 s; after SIGCONT POSTs are 201 and /readyz 200 again
within 10 s, by themselves. Every job answered 201 ends succeeded and the
queue holds exactly those jobs: no request answered 503 wrote one (the Lua
scripts refuse writes that reach Redis late, and a write Redis ran just
before it froze, its reply lost, is withdrawn once Redis answers again). (b) Redis (appendfsync always)
SIGKILLed and restarted on the same data dir: same answers while it is down,
every job answered 201 is still there and runs."""

import signal
import time

import harness as h

ANSWER_S = 2.5      # every response, outage or not
READYZ_S = 3.0      # /readyz notices the outage
RECOVER_S = 10.0    # serving again after Redis is back
OUTAGE_S = 5.0      # how long Redis stays frozen / down
SETTLE_S = 45.0     # every 201 job succeeds after the outage


def spec_for(queue):
    return lambda thread, n: {"type": "echo", "queue": queue, "payload": {"thread": thread, "n": n}}


def readyz(client):
    """(status, body, seconds) of GET /readyz; status None when no answer."""
    t0 = time.monotonic()
    try:
        status, _, body = client.request("GET", "/readyz")
    except OSError as e:
        return None, repr(e), time.monotonic() - t0
    return status, body, time.monotonic() - t0


def outage(server, stream, client, start_outage, end_outage, what):
    """Runs the stream through an outage; returns when the server serves
    again. Checks /readyz and the recovery time; the records are checked by
    check_records."""
    time.sleep(1.0)  # normal load first
    # The time before the signal: an answer that came earlier cannot have
    # seen the outage (kill() also reaps, so taking it after was racy).
    t_out = time.monotonic()
    start_outage()
    h.log(f"{what}: Redis is out")

    def readyz_503():
        status, body, took = readyz(client)
        h.check(status is not None, f"{what}: GET /readyz got no answer ({body}) after {took:.2f}s")
        h.check(took <= ANSWER_S, f"{what}: GET /readyz took {took:.2f}s (status {status}); want <= {ANSWER_S}s")
        return body if status == 503 else None
    body = h.wait_until(readyz_503, READYZ_S, 0.05, f"{what}: /readyz to answer 503")
    h.check(isinstance(body, dict) and body.get("status") == "unavailable"
            and (body.get("checks") or {}).get("redis") not in (None, "ok"), f"{what}: /readyz body {body}")
    h.log(f"{what}: /readyz 503 after {time.monotonic() - t_out:.2f}s: {body}")

    time.sleep(max(0.0, t_out + OUTAGE_S - time.monotonic()))
    t_end = time.monotonic()
    end_outage()
    t_back = time.monotonic()
    h.log(f"{what}: Redis is back")

    def ready():
        status, body, took = readyz(client)
        h.check(status is None or took <= ANSWER_S, f"{what}: GET /readyz took {took:.2f}s after Redis came back")
        return status == 200
    h.wait_until(ready, RECOVER_S, 0.1, f"{what}: /readyz 200 after Redis came back")
    t_ready = time.monotonic() - t_back

    def first_201():
        ok = [r for r in list(stream.records) if r["sent"] >= t_back and r["status"] == 201]
        return min(ok, key=lambda r: r["sent"]) if ok else None
    first = h.wait_until(first_201, max(0.5, RECOVER_S - (time.monotonic() - t_back)), 0.05,
                         f"{what}: a POST answered 201 after Redis came back")
    h.log(f"{what}: /readyz 200 {t_ready:.2f}s and the first POST 201 {first['answered'] - t_back:.2f}s "
          f"after Redis came back")
    h.check(first["answered"] - t_back <= RECOVER_S,
            f"{what}: first 201 {first['answered'] - t_back:.2f}s after Redis came back; want <= {RECOVER_S}s")
    time.sleep(2.0)  # serving steadily
    return t_out, t_end, t_back, first["sent"]


def check_records(records, t_out, t_end, recovered, what):
    h.check(records, f"{what}: no request was made")
    silent = [r for r in records if r["status"] is None]
    h.check(not silent, f"{what}: {len(silent)} POST(s) got no answer, e.g. {silent[0]['error']} "
            f"({silent[0]['sent'] - t_out:+.2f}s from the outage)" if silent else "")
    slow = max(records, key=lambda r: r["answered"] - r["sent"])
    h.check(slow["answered"] - slow["sent"] <= ANSWER_S,
            f"{what}: a POST took {slow['answered'] - slow['sent']:.2f}s (status {slow['status']}, sent "
            f"{slow['sent'] - t_out:+.2f}s from the outage); want <= {ANSWER_S}s")
    odd = [r for r in records if r["status"] not in (201, 503)]
    h.check(not odd, f"{what}: want only 201 or 503, got {odd[:3]}")
    for r in records:
        if r["status"] == 503:
            h.check(r["code"] == "unavailable", f"{what}: 503 with code {r['code']!r}, want 'unavailable'")
            h.check((r["retry_after"] or "").strip().isdigit(),
                    f"{what}: 503 with Retry-After {r['retry_after']!r}, want seconds")
            h.check((r["content_type"] or "").startswith("application/json"),
                    f"{what}: 503 with Content-Type {r['content_type']!r}")
    before = [r for r in records if r["answered"] < t_out]
    h.check(before and all(r["status"] == 201 for r in before),
            f"{what}: before the outage want only 201s, got "
            f"{[r for r in before if r['status'] != 201][:3]}")
    during = [r for r in records if r["sent"] >= t_out and r["answered"] <= t_end]
    h.check(len(during) >= 3, f"{what}: only {len(during)} POST(s) were made during the outage")
    bad = [r for r in during if r["status"] != 503]
    h.check(not bad, f"{what}: {len(bad)} of {len(during)} POSTs sent during the outage were answered "
            f"{sorted({r['status'] for r in bad})}, want 503")
    after = [r for r in records if r["sent"] >= recovered + 1.0]
    h.check(after, f"{what}: no POST sent after the recovery")
    bad = [r for r in after if r["status"] != 201]
    h.check(not bad, f"{what}: after the server served again, {len(bad)} of {len(after)} POSTs were answered "
            f"{sorted({r['status'] for r in bad})}, e.g. {bad[0] if bad else None}")
    n503 = sum(1 for r in records if r["status"] == 503)
    h.log(f"{what}: {len(records)} POSTs: {len(records) - n503} x 201, {n503} x 503 ({len(during)} during the "
          f"outage); slowest answer {slow['answered'] - slow['sent']:.2f}s")


def check_queue(server, queue, ids, what, exact):
    """Every 201 job ends succeeded; the queue holds exactly those jobs
    (exact) or at least them."""
    t0 = time.monotonic()
    server.wait_all_succeeded(ids, timeout=SETTLE_S, interval=0.5)
    took = time.monotonic() - t0
    h.log(f"{what}: all {len(ids)} jobs answered 201 succeeded ({took:.1f}s after the load stopped)")
    if took > RECOVER_S:
        h.log(f"NOTE {what}: jobs took {took:.1f}s to settle: one was stuck (e.g. a claim that reached Redis "
              "after the broker gave up on it) until a lease or heartbeat released it")
    time.sleep(0.5)
    stats = h.queue_stats(server, queue)
    total = sum(stats[k] for k in h.STATS_FIELDS)
    listed = {j["id"] for j in h.list_jobs(server, queue=queue)}
    extra, missing = listed - set(ids), set(ids) - listed
    h.check(not missing, f"{what}: {len(missing)} job(s) answered 201 are not listed in queue {queue}")
    if exact:
        h.check(not extra and total == len(ids),
                f"{what}: queue {queue} holds {total} jobs ({stats}), {len(extra)} of them never answered 201: "
                f"{len(ids)} POSTs were answered 201, so a request answered 503 wrote a job")
    elif extra or total != len(ids):
        h.log(f"NOTE {what}: queue {queue} holds {total} jobs ({stats}); {len(extra)} extra job(s) whose POST "
              f"got 503 (a write Redis made just before it was killed)")
    h.check(stats["running"] == 0 and stats["queued"] == 0 and stats["scheduled"] == 0,
            f"{what}: queue {queue} still has work: {stats}")
    return took


def freeze(server, redis):
    stream = h.PostStream(server.http_port, spec_for("freeze"), threads=3, pause=0.05).start()
    client = h.Client(server.http_port, timeout=ANSWER_S + 5)
    try:
        t_out, t_end, _, recovered = outage(server, stream, client, lambda: redis.kill(signal.SIGSTOP),
                                          lambda: redis.kill(signal.SIGCONT), "SIGSTOP")
    finally:
        records = stream.stop()
        client.close()
    check_records(records, t_out, t_end, recovered, "SIGSTOP")
    return check_queue(server, "freeze", stream.ids(), "SIGSTOP", exact=True)


def crash(server, redis):
    stream = h.PostStream(server.http_port, spec_for("crash"), threads=3, pause=0.05).start()
    client = h.Client(server.http_port, timeout=ANSWER_S + 5)
    try:
        t_out, t_end, _, recovered = outage(server, stream, client, lambda: redis.kill(signal.SIGKILL),
                                          redis.start, "SIGKILL")
    finally:
        records = stream.stop()
        client.close()
    check_records(records, t_out, t_end, recovered, "SIGKILL")
    return check_queue(server, "crash", stream.ids(), "SIGKILL", exact=False)


def test():
    with h.Sandbox("fault_redis") as sb:
        redis = h.start_redis(sb, appendfsync="always")
        server = sb.server(redis)
        worker = sb.worker(server, concurrency=4, queues="freeze,crash")
        settle = [freeze(server, redis), crash(server, redis)]
        h.check(worker.running(), f"{worker.name} exited during the Redis outages")
        h.log(f"jobs settled {settle[0]:.1f}s / {settle[1]:.1f}s after the load stopped (SIGSTOP / SIGKILL)")


if __name__ == "__main__":
    h.main(test, "fault_redis")

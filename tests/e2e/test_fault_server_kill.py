#!/usr/bin/env python3
"""Server crash under load: two workers, two threads POSTing echo jobs (every
fourth a 200 ms sleep) continuously. After ~1 s the server is SIGKILLed and
restarted on the same ports and Redis; the posting goes on a little. Every job
answered 201 ends succeeded, nothing stays queued or running, and both workers
re-joined the new server by themselves (a second `joined broker`). Logs the
recovery times."""

import signal
import time

import harness as h

LOAD_S, AFTER_S = 1.0, 2.0
REJOIN_S = 15.0
SETTLE_S = 60.0


def spec(thread, n):
    if n % 4 == 3:
        return {"type": "sleep", "payload": {"ms": 200}}
    return {"type": "echo", "payload": {"thread": thread, "n": n}}


def test():
    with h.Sandbox("fault_server_kill") as sb:
        redis = sb.redis()
        server = sb.server(redis)
        workers = [sb.worker(server, concurrency=2), sb.worker(server, concurrency=2)]
        for w in workers:
            h.check(h.log_count(w, "joined broker") == 1, f"{w.name} joined more than once at start")

        stream = h.PostStream(server.http_port, spec, threads=2, pause=0.02).start()
        try:
            time.sleep(LOAD_S)
            server.kill(signal.SIGKILL)
            t_kill = time.monotonic()
            server.start().wait_ready()
            t_up = time.monotonic() - t_kill
            h.log(f"server restarted; /healthz answers {t_up:.2f}s after the kill")

            def first_201():
                ok = [r for r in list(stream.records) if r["sent"] > t_kill and r["status"] == 201]
                return min(ok, key=lambda r: r["answered"]) if ok else None
            first = h.wait_until(first_201, 15, 0.05, "a POST answered 201 after the restart")
            t_post = first["answered"] - t_kill

            def rejoined():
                for w in workers:
                    w._check_alive("waiting for it to re-join")
                return all(h.log_count(w, "joined broker") >= 2 for w in workers)
            h.wait_until(rejoined, REJOIN_S, 0.05,
                         lambda: "both workers to log a second 'joined broker': "
                         + ", ".join(f"{w.name}: {h.log_count(w, 'joined broker')}" for w in workers))
            t_join = time.monotonic() - t_kill
            time.sleep(AFTER_S)
        finally:
            records = stream.stop()

        ids = stream.ids()
        before = sum(1 for r in records if r["status"] == 201 and r["answered"] < t_kill)
        after = sum(1 for r in records if r["status"] == 201 and r["sent"] > t_kill)
        failed = [r for r in records if r["status"] is None]
        odd = [r for r in records if r["status"] not in (None, 201)]
        h.log(f"{len(records)} POSTs: {len(ids)} x 201 ({before} before the kill, {after} after the restart), "
              f"{len(failed)} without answer while the server was down, {len(odd)} other")
        h.check(before > 0 and after > 0, f"want 201s both before the kill and after the restart: {before}/{after}")
        h.check(not odd, f"POSTs answered neither 201 nor not at all: {odd[:3]}")
        late_fail = [r for r in failed if r["sent"] > first["answered"] + 1.0]
        h.check(not late_fail, f"{len(late_fail)} POST(s) failed after the restarted server served: {late_fail[:3]}")

        t0 = time.monotonic()
        jobs = server.wait_all_succeeded(ids, timeout=SETTLE_S, interval=0.5)
        t_settle = time.monotonic() - t0
        h.log(f"all {len(jobs)} jobs answered 201 succeeded ({t_settle:.1f}s after the load stopped); attempts > 1: "
              f"{sum(1 for j in jobs.values() if j['attempts'] > 1)}")

        def idle():
            stats = h.queue_stats(server)
            return stats if stats["queued"] == stats["running"] == stats["scheduled"] == stats["dead"] == 0 else None
        stats = h.wait_until(idle, 15, 0.2, lambda: f"queue default to be idle: {h.queue_stats(server)}")
        h.check(stats["succeeded"] >= len(ids), f"queue default: {stats}, but {len(ids)} jobs were answered 201")
        for w in workers:
            h.check(w.running(), f"{w.name} exited")
        h.log(f"RECOVERY: server /healthz {t_up:.2f}s, first POST 201 {t_post:.2f}s, both workers re-joined "
              f"{t_join:.2f}s after the SIGKILL")


if __name__ == "__main__":
    h.main(test, "fault_server_kill")

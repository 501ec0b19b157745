#!/usr/bin/env python3
"""Remote inspection (issue 5): jobstack-ctl connects to live nodes as a CAF
node. With a server and two workers running a `sleep` job: `nodes --json`
lists both workers with where to inspect them, `inspect --json` of the server
shows the queue and the job in flight on its worker, and of that worker the
running job with its age. Errors are one line and a distinct exit code:
unreachable (3), no handshake in time (4), bad usage (2), `nodes` asked of a
worker (1)."""

import json
import socket
import subprocess
import time

import harness as h

CTL = str(h.BIN_DIR / "jobstack-ctl")


def ctl(*args, timeout=20):
    started = time.monotonic()
    done = subprocess.run([CTL, *args], capture_output=True, text=True, timeout=timeout, cwd=h.REPO_ROOT)
    return done.returncode, done.stdout, done.stderr, time.monotonic() - started


def ctl_json(*args):
    rc, out, err, _ = ctl(*args, "--json")
    h.check(rc == 0, f"jobstack-ctl {' '.join(args)} --json: rc {rc}, stderr {err!r}")
    try:
        return json.loads(out)
    except ValueError:
        raise h.TestFailure(f"jobstack-ctl {' '.join(args)} --json printed no JSON: {out[:300]!r}")


def actor(report, name):
    found = [a for a in report["actors"] if a["name"] == name]
    h.check(found, f"no actor {name!r} in {[a['name'] for a in report['actors']]}")
    return found[0]


def check_one_line_error(rc, err, want_rc, what):
    h.check(rc == want_rc, f"{what}: want exit {want_rc}, got {rc} ({err!r})")
    lines = [line for line in err.splitlines() if line.strip()]
    h.check(len(lines) == 1 and lines[0].startswith("jobstack-ctl: "), f"{what}: want one error line, got {err!r}")


def test():
    with h.Sandbox("ctl") as sb:
        redis = sb.redis()
        server = sb.server(redis)
        fixed_port = h.free_port()
        w1 = sb.worker(server, concurrency=2, extra_env={"CSC_INSPECT_PORT": str(fixed_port)})
        w2 = sb.worker(server, concurrency=1)  # CSC_INSPECT_PORT 0: any free port
        broker = f"127.0.0.1:{server.broker_port}"

        job = server.post_job({"type": "sleep", "payload": {"ms": 8000}})
        running = h.wait_until(lambda: (lambda j: j if j["status"] == "running" else None)(server.get_job(job["id"])),
                               15, 0.1, "the sleep job to run")
        owner = w1 if running["worker"] == w1.worker_id else w2

        nodes = ctl_json("nodes", broker)
        by_id = {n["id"]: n for n in nodes}
        h.check(by_id.get("server", {}).get("role") == "server" and by_id["server"]["inspect"] == broker,
                f"the server's own entry: {by_id.get('server')}")
        for w in (w1, w2):
            h.check(w.worker_id in by_id, f"worker {w.worker_id} not listed: {sorted(by_id)}")
            h.check(by_id[w.worker_id]["role"] == "worker" and by_id[w.worker_id]["queues"] == ["default"],
                    f"worker entry: {by_id[w.worker_id]}")
        h.check(by_id[w1.worker_id]["inspect"] == f"127.0.0.1:{fixed_port}", f"w1's inspect address: {by_id[w1.worker_id]}")
        h.check(by_id[owner.worker_id]["running"] == 1, f"the owner runs the job: {by_id[owner.worker_id]}")

        report = ctl_json("inspect", broker)
        h.check(report["role"] == "server" and report["version"] and report["uptime_s"] > 0, f"server report: {report}")
        state = actor(report, "broker")["state"]
        default = [q for q in state["queues"] if q["name"] == "default"]
        h.check(default and default[0]["running"] == 1, f"the broker's queues: {state['queues']}")
        nodes_seen = {n["id"]: n for n in state["worker_nodes"]}
        h.check(nodes_seen.get(owner.worker_id, {}).get("in_flight") == [job["id"]],
                f"the job in flight on {owner.worker_id}: {nodes_seen}")
        h.check(isinstance(actor(report, "broker")["mailbox"], int), "the broker's mailbox size")

        # The owner, found through `nodes` (w2's port was picked at random).
        worker_report = ctl_json("inspect", by_id[owner.worker_id]["inspect"])
        h.check(worker_report["role"] == "worker" and worker_report["name"] == owner.worker_id,
                f"worker report names the node: {worker_report['role']} {worker_report['name']}")
        workers = actor(worker_report, "workers")["state"]
        h.check([r["job_id"] for r in workers["running"]] == [job["id"]], f"running jobs: {workers}")
        h.check(workers["running"][0]["type"] == "sleep" and workers["running"][0]["age_ms"] >= 0, f"the job: {workers}")
        h.check(workers["concurrency"] == (2 if owner is w1 else 1), f"concurrency: {workers}")
        sched = actor(worker_report, "scheduler")["state"]
        h.check(sched["joined"] is True and sched["schedule"] is None, f"scheduler: {sched}")

        # The human form says the same.
        rc, out, err, _ = ctl("inspect", by_id[owner.worker_id]["inspect"])
        h.check(rc == 0 and job["id"] in out and "[scheduler]" in out, f"text inspect: {rc} {out!r} {err!r}")

        # Errors: one line each, distinct exit codes, bounded in time.
        rc, _, err, _ = ctl("inspect", f"127.0.0.1:{h.free_port()}")
        check_one_line_error(rc, err, 3, "nothing listening")
        with socket.socket() as silent:  # accepts, never speaks CAF
            silent.bind(("127.0.0.1", 0))
            silent.listen(1)
            rc, _, err, took = ctl("inspect", f"127.0.0.1:{silent.getsockname()[1]}", "--timeout=1")
            check_one_line_error(rc, err, 4, "a silent peer")
            h.check(took < 5, f"the timeout took {took:.1f}s")
        rc, _, err, _ = ctl("inspect", "no-port-here")
        h.check(rc == 2 and "HOST:PORT" in err, f"bad usage: {rc} {err!r}")
        rc, _, err, _ = ctl("nodes", by_id[w1.worker_id]["inspect"])
        check_one_line_error(rc, err, 1, "nodes asked of a worker")
        h.check("ask the server" in err, f"the worker says whom to ask: {err!r}")


if __name__ == "__main__":
    h.main(test, "ctl")

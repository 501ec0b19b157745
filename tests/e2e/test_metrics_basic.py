#!/usr/bin/env python3
"""Metrics a first step of issue 5: every worker node serves /healthz and
/metrics on CSC_METRICS_PORT (attempts by queue and outcome, attempt
durations, the standard process metrics), and the server's /metrics has
its HTTP request metrics and the process metrics too. A second worker on
a taken metrics port still runs (it logs why it has no /metrics)."""

import re

import harness as h


def metric(text, name, labels=None):
    """The value of a sample of `name` whose labels include `labels`."""
    for line in text.splitlines():
        if not line.startswith(name):
            continue
        m = re.match(r'^([a-z_]+)(\{([^}]*)\})? (\S+)$', line)
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'(\w+)="([^"]*)"', m.group(3) or ""))
        if all(got.get(k) == v for k, v in (labels or {}).items()):
            return float(m.group(4))
    return None


def test():
    with h.Sandbox("metrics_basic") as sb:
        redis = sb.redis()
        server = sb.server(redis)
        worker = sb.worker(server, concurrency=2)
        port = int(worker.env["CSC_METRICS_PORT"])

        status, _, body = h.http(port, "GET", "/healthz")
        h.check(status == 200 and body == {"status": "ok"}, f"worker /healthz: {status} {body}")

        ids = [server.post_job({"type": "echo", "payload": {"n": i}})["id"] for i in range(3)]
        failed = server.post_job({"type": "fail", "max_attempts": 1})["id"]
        server.wait_all_succeeded(ids, 30)
        h.wait_until(lambda: server.get_job(failed)["status"] == "dead", 30, 0.1, "the fail job to be dead")

        def worker_text():
            status, headers, text = h.http(port, "GET", "/metrics")
            h.check(status == 200, f"worker /metrics: {status}")
            return text
        text = h.wait_until(
            lambda: (lambda t: t if metric(t, "jobstack_worker_attempts_total",
                                           {"queue": "default", "outcome": "failed"}) == 1 else None)(worker_text()),
            10, 0.2, "the worker's metrics to count the attempts")
        ok = metric(text, "jobstack_worker_attempts_total", {"queue": "default", "outcome": "succeeded"})
        h.check(ok == 3, f"succeeded attempts: want 3, got {ok}")
        count = metric(text, "jobstack_worker_attempt_duration_seconds_count", {"queue": "default"})
        h.check(count == 4, f"attempt duration samples: want 4, got {count}")
        # CPU time counts in clock ticks (10 ms): an idle worker that ran four
        # tiny jobs can truly be at 0.
        cpu = metric(text, "process_cpu_seconds_total")
        h.check(cpu is not None and cpu >= 0, f"worker process_cpu_seconds_total: {cpu}")
        for name in ("process_resident_memory_bytes", "process_open_fds", "process_start_time_seconds"):
            value = metric(text, name)
            h.check(value is not None and value > 0, f"worker {name}: {value}")

        status, _, server_text = server.http("GET", "/metrics")
        h.check(status == 200, f"server /metrics: {status}")
        posts = metric(server_text, "jobstack_http_requests_total",
                       {"route": "/v1/jobs", "method": "POST", "code": "2xx"})
        h.check(posts is not None and posts >= 4, f"server POST /v1/jobs 2xx: {posts}")
        rss = metric(server_text, "process_resident_memory_bytes")
        h.check(rss is not None and rss > 1e6, f"server process_resident_memory_bytes: {rss}")

        # A second worker whose metrics port is taken still joins and works.
        second = sb.worker(server, concurrency=1,
                           extra_env={"CSC_METRICS_PORT": str(port)})
        h.check(second.running(), "a worker on a taken metrics port must keep running")
        job = server.post_job({"type": "echo"})["id"]
        server.wait_all_succeeded([job], 30)
        h.log(f"worker metrics: 3 succeeded, 1 failed; server POST 2xx {posts:.0f}; rss {rss/1e6:.1f} MB")


if __name__ == "__main__":
    h.main(test, "metrics_basic")

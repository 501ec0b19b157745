#!/usr/bin/env python3
"""Prometheus end to end: a real Prometheus (Debian's prometheus package)
scrapes a jobstack-server and two jobstack-worker nodes on 127.0.0.1 every
second, with the shipped alert rules (deploy/prometheus/alerts.yml) loaded
under the job names of deploy/prometheus/prometheus.yml. After N echo jobs
succeed, Prometheus must see the three targets up and healthy, every shipped
alert rule loaded and evaluated without error, the workers' succeeded
attempts (jobstack_worker_attempts_total) and the server's succeeded jobs
(jobstack_jobs_succeeded_total) at N or more."""

import re

import harness as h

N = 20
ALERTS = h.REPO_ROOT / "deploy" / "prometheus" / "alerts.yml"


def alert_names():
    names = set(re.findall(r"^\s*- alert:\s*(\S+)", ALERTS.read_text(), re.M))
    h.check(names, f"no alert rule found in {ALERTS}")
    return names


def scalar(prom, expr):
    """The value of a one-series query, None when it has no series."""
    result = prom.query(expr)
    return result[0][1] if result else None


def wait_at_least(prom, expr, want, what):
    last = {}

    def poll():
        last["value"] = scalar(prom, expr)
        return last["value"] is not None and last["value"] >= want
    h.wait_until(poll, 30, 0.5, lambda: f"{expr} >= {want} ({what}); last value "
                 + ("<no series>" if last.get("value") is None else str(last["value"])))
    h.log(f"prometheus: {expr} = {last['value']:.0f}")


def test():
    want_alerts = alert_names()
    with h.Sandbox("prometheus") as sb:
        redis = sb.redis()
        server = sb.server(redis)
        workers = [sb.worker(server, concurrency=2) for _ in range(2)]
        targets = {"jobstack-server": [f"127.0.0.1:{server.http_port}"],
                   "jobstack-worker": [f"127.0.0.1:{w.env['CSC_METRICS_PORT']}" for w in workers]}
        h.check(len(set(targets["jobstack-worker"])) == 2, f"the workers share a metrics port: {targets}")
        prom = sb.prometheus(targets, rule_files=[ALERTS])
        want_targets = {(job, addr) for job, addrs in targets.items() for addr in addrs}

        ids = [server.post_job({"type": "echo", "payload": {"n": i}})["id"] for i in range(N)]
        server.wait_all_succeeded(ids, 60)
        h.log(f"{N} echo jobs succeeded")

        # Every target scraped, and up.
        def all_up():
            got = {(m.get("job"), m.get("instance")): v for m, v in prom.query("up")}
            return set(got) == want_targets and all(v == 1 for v in got.values())
        h.wait_until(all_up, 30, 0.5, lambda: f"up == 1 for {sorted(want_targets)}; got {prom.query('up')}")
        active = prom.api("targets", state="active")["activeTargets"]
        health = {(t["labels"].get("job"), t["labels"].get("instance")): (t["health"], t.get("lastError"))
                  for t in active}
        h.check(set(health) == want_targets and all(hv == "up" for hv, _ in health.values()),
                f"/api/v1/targets: want {sorted(want_targets)} healthy, got {health}")
        h.log(f"prometheus: 3 targets up: {sorted(want_targets)}")

        # The shipped alert rules are loaded and evaluate without error.
        last = {}

        def rules_evaluated():
            rules = [r for g in prom.api("rules")["groups"] for r in g["rules"]]
            last["rules"] = {r["name"]: (r.get("health"), r.get("lastError")) for r in rules}
            errors = {n: hv for n, hv in last["rules"].items() if hv[0] == "err"}
            h.check(not errors, f"alert rules fail to evaluate: {errors}")
            return set(last["rules"]) == want_alerts and all(hv[0] == "ok" for hv in last["rules"].values())
        h.wait_until(rules_evaluated, 30, 0.5,
                     lambda: f"the alert rules {sorted(want_alerts)} to be loaded and evaluated; got {last.get('rules')}")
        h.log(f"prometheus: alert rules loaded and evaluated: {sorted(want_alerts)}")

        # The counters of both sides reached N.
        wait_at_least(prom, 'sum(jobstack_worker_attempts_total{outcome="succeeded"})', N,
                      "the workers' /metrics")
        wait_at_least(prom, "sum(jobstack_jobs_succeeded_total)", N, "the server's /metrics")


if __name__ == "__main__":
    h.main(test, "prometheus")

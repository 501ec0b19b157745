#!/usr/bin/env python3
"""bench/run.py: jobstack's benchmark suite, side by side with BullMQ (issue 7).

    scripts/bench.sh            # installs wrk and bench/node_modules, builds, runs this
    python3 bench/run.py        # the same, when those are in place
    python3 bench/run.py --smoke [--record]
    python3 bench/run.py --render bench/results/<file>.json   # Markdown again, e.g. after a report.py change

Starts its own redis-server (AOF everysec, free loopback port, temp dir) and,
per run, a fresh jobstack-server and worker node from $JOBSTACK_BIN_DIR
(default build/bin), and the BullMQ baseline (bench/bullmq_baseline.mjs) on
the same Redis (DB 1; Redis is emptied between the two sides). Runs each
figure BENCH_RUNS times, prints a Markdown table and writes it with the raw
numbers to bench/results/<date>-<host>-<N>cores.{md,json}.

Settings (environment): BENCH_RUNS (3), BENCH_SECONDS (10: figures 1, 2, 4),
BENCH_PROCESS_JOBS (100000), BENCH_MEMORY_JOBS (300000: the
issue's 1000000 takes 4 more minutes), BENCH_RATE (1000),
BENCH_CONCURRENCY (50: both workers), BENCH_CONNECTIONS (64: figure 1),
BENCH_BATCH_CONNECTIONS (4: figure 2), BENCH_REDIS_REQUESTS (200000: -P 1;
ten times that at -P 64), BENCH_FIGURES (1,2,3,4,5,6), BENCH_RESULTS_DIR
(bench/results), BENCH_KEEP=1 keeps the temp dir with every process's log.

--smoke: 2000 echo jobs through batch enqueue, then one worker node drains
them; fails only when a figure is below a tenth of bench/smoke_baseline.json
(best of 3 tries), never on noise. Needs neither wrk nor node. --record
writes the measured figures as the new baseline. Python 3 stdlib only."""

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import figures  # noqa: E402
import load  # noqa: E402
import procs  # noqa: E402
import report  # noqa: E402
from procs import REPO_ROOT, harness, log  # noqa: E402

BENCH_DIR = REPO_ROOT / "bench"
SMOKE_BASELINE = BENCH_DIR / "smoke_baseline.json"
SMOKE_JOBS = 2000


class Settings(dict):
    """The BENCH_* settings, readable as attributes."""

    def __getattr__(self, name):
        return self[name]


def settings_from_env():
    def env(name, default, kind=int):
        return kind(os.environ.get(name, default))
    return Settings(runs=env("BENCH_RUNS", 3), seconds=env("BENCH_SECONDS", 10),
                    process_jobs=env("BENCH_PROCESS_JOBS", 100000), memory_jobs=env("BENCH_MEMORY_JOBS", 300000),
                    rate=env("BENCH_RATE", 1000), concurrency=env("BENCH_CONCURRENCY", 50),
                    connections=env("BENCH_CONNECTIONS", 64), batch_connections=env("BENCH_BATCH_CONNECTIONS", 4),
                    redis_requests=env("BENCH_REDIS_REQUESTS", 200000),
                    figures=[int(f) for f in env("BENCH_FIGURES", "1,2,3,4,5,6", str).split(",") if f.strip()])


def _version(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        return (out.stdout + out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "unknown"


def machine():
    cpu = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = next((int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal")), 0)
    return {"hostname": socket.gethostname(), "cores": os.cpu_count(), "cpu": cpu,
            "memory_gib": mem / 2 ** 20, "kernel": platform.release()}


def versions(rc):
    commit = _version(["git", "-C", str(REPO_ROOT), "describe", "--always", "--dirty"])
    try:
        bullmq = json.loads((BENCH_DIR / "node_modules" / "bullmq" / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        bullmq = "unknown"
    build_type = "unknown"
    try:  # the build type of the binaries under test, from their CMake cache
        cache = (harness.BIN_DIR.parent / "CMakeCache.txt").read_text()
        build_type = next(line.split("=", 1)[1] for line in cache.splitlines()
                          if line.startswith("CMAKE_BUILD_TYPE:")) or "none"
    except (OSError, StopIteration):
        pass
    return {"jobstack": commit, "jobstack_build": build_type, "redis": rc.info("server").get("redis_version"), "bullmq": bullmq,
            "node": _version(["node", "--version"]), "wrk": _version(["wrk", "-v"]).split(" [")[0],
            "python": platform.python_version()}


def check_tools():
    missing = [t for t in ("wrk", "node", "redis-benchmark") if shutil.which(t) is None]
    if not (BENCH_DIR / "node_modules" / "bullmq").is_dir():
        missing.append("bench/node_modules (npm ci in bench/)")
    for b in ("jobstack-server", "jobstack-worker"):
        if not (harness.BIN_DIR / b).exists():
            missing.append(str(harness.BIN_DIR / b))
    if missing:
        sys.exit(f"bench/run.py: missing {', '.join(missing)}; scripts/bench.sh installs and builds them")


def notes(s):
    out = []
    if s.seconds != 10:
        out.append(f"Figures 1, 2 and 4 ran {s.seconds} s each (the issue asks 10 s).")
    if s.memory_jobs != 1000000:
        out.append(f"Figure 5 queued {s.memory_jobs:,} jobs, scaled down from the issue's 1,000,000 to keep the "
                   "run under 10 minutes (BENCH_MEMORY_JOBS=1000000 for the full figure).")
    if s.process_jobs != 100000:
        out.append(f"Figure 3 drained {s.process_jobs:,} jobs, not 100,000 (BENCH_PROCESS_JOBS).")
    out.append(f"Workers: jobstack CSC_WORKER_CONCURRENCY={s.concurrency}, BullMQ concurrency {s.concurrency}; "
               "log level warn. Figure 2: "
               f"{s.batch_connections} connections / concurrent addBulk calls. Figure 4's latency runs from the "
               "client's send to finished_at (jobstack) or to the Worker's `completed` event (BullMQ).")
    return " ".join(out)


def others_busy(seconds=2.0):
    """Cores busy over `seconds` before the suite starts: other processes' load."""
    b0 = procs.system_busy_seconds()
    time.sleep(seconds)
    return (procs.system_busy_seconds() - b0) / seconds


def full(s):
    check_tools()
    busy_before = others_busy()
    if busy_before > 0.2:
        log(f"warning: other processes keep {busy_before:.2f} cores busy; the figures will be lower and noisier")
    workdir = Path(tempfile.mkdtemp(prefix="jobstack-bench-"))
    started = time.monotonic()
    log(f"work dir {workdir}; binaries from {harness.BIN_DIR}; settings {dict(s)}")
    redis = procs.start_redis(workdir)
    rc = procs.RedisConn(redis.port)
    ctx = figures.Context(s, workdir, redis, rc)
    results = {}
    ok = False
    try:
        for fig in s.figures:
            results[fig] = {"runs": []}
            for run in range(s.runs):
                log(f"figure {fig}, run {run + 1}/{s.runs}")
                results[fig]["runs"].append(figures.FIGURES[fig](ctx, run))
        ok = True
    finally:
        meta_versions = versions(rc)
        rc.close()
        redis.stop()
        if ok and not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            log(f"logs kept in {workdir}")
    date = datetime.now(timezone.utc)
    result = {"date": date.strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(), "versions": meta_versions,
              "settings": dict(s), "notes": notes(s), "figures": results,
              "rows": report.summarize(results, s), "redis_ceiling": report.redis_ceiling(results),
              "cost": report.cost(results), "duration_s": time.monotonic() - started,
              "cores_busy_before": busy_before}
    write(result)


def write(result, stem=None):
    """Prints the Markdown of a result and writes it and the JSON file."""
    text = report.markdown(result)
    date = datetime.strptime(result["date"], "%Y-%m-%d %H:%M UTC")
    out_dir = Path(os.environ.get("BENCH_RESULTS_DIR") or BENCH_DIR / "results")
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = stem or f"{date:%Y-%m-%d-%H%M}-{result['machine']['hostname']}-{result['machine']['cores']}cores"
    (out_dir / f"{stem}.json").write_text(json.dumps(result, indent=1) + "\n")
    (out_dir / f"{stem}.md").write_text(text)
    print(text)
    log(f"wrote {out_dir / stem}.{{md,json}} ({result['duration_s']:.0f}s of benchmark)")


def render(path):
    """--render FILE.json: the summary and Markdown again from a result's raw
    runs (after a change to report.py), in place."""
    path = Path(path).resolve()
    result = json.loads(path.read_text())
    figs = {int(k): v for k, v in result["figures"].items()}
    s = Settings(result["settings"])
    result.update(rows=report.summarize(figs, s), redis_ceiling=report.redis_ceiling(figs), cost=report.cost(figs))
    os.environ["BENCH_RESULTS_DIR"] = str(path.parent)
    write(result, path.stem)


# -- smoke ----------------------------------------------------------------------

def smoke_once(workdir, redis, rc):
    """One try: {figure: jobs/s} for SMOKE_JOBS jobs."""
    rc.flush()
    js = procs.Jobstack(workdir, redis).start_server()
    try:
        port = js.server.http_port
        fill_s = load.fill(port, SMOKE_JOBS, connections=1)
        top = [j["id"] for j in load.list_jobs(port, "queued", limit=100, pages=1)]
        js.start_worker(50)
        load.wait_succeeded(port, SMOKE_JOBS, timeout=60)
        first, last = load.first_started(port, top), load.last_finished(port)
        return {"batch_enqueue_jobs_per_s": SMOKE_JOBS / fill_s,
                "processing_jobs_per_s": SMOKE_JOBS / max(last - first, 1e-6)}
    finally:
        js.stop()


def smoke(record):
    baseline = None if record else json.loads(SMOKE_BASELINE.read_text())
    floors = {k: v / 10 for k, v in (baseline or {}).get("figures", {}).items()}
    workdir = Path(tempfile.mkdtemp(prefix="jobstack-bench-smoke-"))
    redis = procs.start_redis(workdir)
    rc = procs.RedisConn(redis.port)
    tries, ok = [], False
    try:
        for attempt in range(3):
            got = smoke_once(workdir, redis, rc)
            tries.append(got)
            harness.log(f"try {attempt + 1}: " + ", ".join(f"{k} {v:,.0f}" for k, v in got.items()))
            if not record and all(got[k] >= floor for k, floor in floors.items()):
                break
        ok = True
    finally:
        rc.close()
        redis.stop()
        if ok and not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"logs kept in {workdir}", file=sys.stderr)
    if record:
        figs = {k: statistics.median(t[k] for t in tries) for k in tries[0]}
        SMOKE_BASELINE.write_text(json.dumps({
            "about": "bench/run.py --smoke: medians of 3 tries of 2000 jobs, recorded with --record; the smoke "
                     "benchmark fails below a tenth of these",
            "recorded": datetime.now(timezone.utc).strftime("%Y-%m-%d"), "machine": machine(),
            "binaries": str(harness.BIN_DIR), "figures": {k: round(v) for k, v in figs.items()}}, indent=1) + "\n")
        harness.log(f"recorded {SMOKE_BASELINE}: {figs}")
        return
    best = {k: max(t[k] for t in tries) for k in floors}
    low = {k: (round(v), round(floors[k])) for k, v in best.items() if v < floors[k]}
    harness.check(not low, "gross regression, (best of 3 tries, floor = a tenth of bench/smoke_baseline.json): "
                  + ", ".join(f"{k} {v:,} < {f:,}" for k, (v, f) in low.items()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--smoke", action="store_true", help="the short smoke benchmark of scripts/test.sh")
    ap.add_argument("--record", action="store_true", help="with --smoke: write bench/smoke_baseline.json")
    ap.add_argument("--render", metavar="RESULT.json", help="rewrite a result's summary and Markdown from its runs")
    args = ap.parse_args()
    if args.render:
        render(args.render)
    elif args.smoke:
        harness.main(lambda: smoke(args.record), "bench.smoke")
    else:
        full(settings_from_env())


if __name__ == "__main__":
    main()

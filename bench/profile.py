#!/usr/bin/env python3
"""bench/profile.py: where jobstack's CPU time goes under a benchmark's load,
with `perf record` (Debian's linux-perf; cpu-clock sampling works in a VM).

    python3 bench/profile.py enqueue    # figure 1's load: wrk, 64 connections, one job per POST
    python3 bench/profile.py batch      # figure 2's load: wrk, 4 connections, 1000 jobs per POST
    python3 bench/profile.py process    # figure 3's load: 100000 queued jobs, one worker drains them

Prints, for jobstack-server, jobstack-worker and redis-server, the share of
each one's samples by shared object and by symbol (self time, top 25). The
perf data stays in the temp dir it names. BENCH_SECONDS (10) sets the wrk
runs, BENCH_PROCESS_JOBS (100000) the drain. Not part of scripts/bench.sh:
perf costs CPU, so figures measured meanwhile are lower. Python 3 stdlib."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import figures  # noqa: E402
import load  # noqa: E402
import procs  # noqa: E402


def perf_report(data, top=25):
    out = []
    for sort in ("dso", "sym"):
        text = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "--no-children", "--sort", sort,
                               "--percent-limit", "0.5"], capture_output=True, text=True).stdout
        rows = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
        out += [f"  by {sort}:"] + ["    " + r.strip() for r in rows[:top]]
    return "\n".join(out)


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in ("enqueue", "batch", "process"):
        sys.exit(__doc__)
    if shutil.which("perf") is None:
        sys.exit("profile.py: perf is missing (Debian: apt-get install linux-perf)")
    mode = sys.argv[1]
    seconds = int(os.environ.get("BENCH_SECONDS", 10))
    jobs = int(os.environ.get("BENCH_PROCESS_JOBS", 100000))
    workdir = Path(tempfile.mkdtemp(prefix="jobstack-profile-"))
    redis = procs.start_redis(workdir)
    js = procs.Jobstack(workdir, redis).start_server()
    port = js.server.http_port
    targets = {"server": js.server.proc.pid, "redis": redis.proc.pid}
    if mode == "process":
        load.fill(port, jobs)
        js.start_worker(50)
        targets["worker"] = js.workers[0].proc.pid
    perfs = {name: subprocess.Popen(["perf", "record", "-F", "499", "-o", str(workdir / f"{name}.perf"), "-p",
                                     str(pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for name, pid in targets.items()}
    try:
        if mode == "process":
            load.wait_succeeded(port, jobs, timeout=600)
        else:
            batch = mode == "batch"
            argv = ["wrk", "-t", "2", "-c", "4" if batch else "64", "-d", f"{seconds}s", "-s", figures.LUA,
                    f"http://127.0.0.1:{port}/v1/jobs" + ("/batch" if batch else "")]
            env = dict(os.environ, WRK_BATCH="1000") if batch else None
            out, _, _ = procs.run_child("wrk", argv, workdir, seconds + 60, env=env)
            print(procs.json_line(out, "WRK_JSON "))
    finally:
        for p in perfs.values():
            p.send_signal(signal.SIGINT)
            p.wait(timeout=60)
        js.stop()
        redis.stop()
    for name in targets:
        print(f"== {name} ({mode})\n{perf_report(workdir / f'{name}.perf')}")
    print(f"perf data in {workdir}")


if __name__ == "__main__":
    main()

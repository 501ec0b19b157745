"""bench/figures.py: one function per figure of issue 7, each doing one run
for jobstack and for BullMQ on the same Redis (emptied before each side) and
returning {"jobstack": {...}, "bullmq": {...}} of raw numbers; bench/run.py
repeats them and bench/report.py sums them up.

Every jobstack run gets a fresh jobstack-server (and worker node), so a peak
RSS (VmHWM) belongs to that run alone. CPU seconds are measured around the
timed part for each process: jobstack's from /proc, a child's (wrk, node)
from os.wait4, Redis' from /proc of redis-server. Python 3 stdlib only."""

import csv
import io
import os
import time

import load
from procs import Child, Jobstack, cpu_seconds, json_line, log, run_child, system_busy_seconds

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LUA = os.path.join(REPO, "bench", "wrk_enqueue.lua")
BULLMQ = os.path.join(REPO, "bench", "bullmq_baseline.mjs")


class Context:
    """What every figure needs: settings (Settings in run.py), a work dir, the
    Redis process and a connection to it."""

    def __init__(self, settings, workdir, redis, redis_conn):
        self.s, self.workdir, self.redis, self.rc = settings, workdir, redis, redis_conn

    def redis_cpu(self):
        return cpu_seconds(self.redis.proc.pid)

    def redis_commands(self):
        return int(self.rc.info("stats")["total_commands_processed"])

    def node(self, name, command, timeout, **options):
        """Runs one bullmq_baseline.mjs command to its end: (result, cpu s, peak RSS MiB)."""
        out, cpu, rss = run_child(name, self.node_argv(command, **options), self.workdir, timeout)
        return json_line(out, "BENCH_JSON "), cpu, rss

    def node_argv(self, command, **options):
        argv = ["node", BULLMQ, command, "--port", str(self.redis.port), "--db", "1"]
        for k, v in options.items():
            argv += ["--" + k.replace("_", "-"), str(v)]
        return argv


class Meter:
    """CPU seconds of Redis (and jobstack's processes) and Redis commands,
    from start to stop(): {"cpu": {...}, "redis_commands": n, "wall_s": s,
    "other_cpu_s": s}. other_cpu_s is the CPU time the machine spent on
    processes that are not part of the figure (nor this script): a busy
    machine shows there."""

    def __init__(self, ctx, js=None):
        self.ctx, self.js = ctx, js
        self.cpu0 = js.cpu() if js else {"redis": ctx.redis_cpu()}
        self.cmd0, self.t0 = ctx.redis_commands(), time.monotonic()
        self.py0, self.busy0 = time.process_time(), system_busy_seconds()

    def stop(self, python_client=False, **child_cpu):
        """child_cpu: CPU seconds of the children that ran meanwhile;
        python_client: this script's threads were the client."""
        cpu1 = self.js.cpu() if self.js else {"redis": self.ctx.redis_cpu()}
        cpu = {k: cpu1[k] - self.cpu0.get(k, 0.0) for k in cpu1}
        cpu.update(child_cpu)
        py = time.process_time() - self.py0
        if python_client:
            cpu["client"] = py
        busy = system_busy_seconds() - self.busy0
        other = busy - sum(cpu.values()) - (0.0 if python_client else py)
        return {"cpu": cpu, "redis_commands": self.ctx.redis_commands() - self.cmd0,
                "wall_s": time.monotonic() - self.t0, "other_cpu_s": max(0.0, other)}


def _redis_round_trips(m0, m1):
    """(round trips, seconds spent in them) of the server's Redis connections
    between two /metrics reads."""
    def total(m, suffix):
        return sum(v for k, v in m.items() if k.startswith("jobstack_redis_command_duration_seconds" + suffix))
    return total(m1, "_count") - total(m0, "_count"), total(m1, "_sum") - total(m0, "_sum")


def _wrk(ctx, name, url, connections, extra_env=None):
    s = ctx.s
    argv = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{s.seconds}s", "--timeout", "10s", "-s", LUA, url]
    env = dict(os.environ, **(extra_env or {}))
    out, cpu, _ = run_child(name, argv, ctx.workdir, s.seconds + 60, env=env)
    w = json_line(out, "WRK_JSON ")
    errors = sum(w["errors"].values())
    if w["errors"]["status"] or w["errors"]["connect"] or errors > 0.001 * max(1, w["requests"]):
        raise RuntimeError(f"wrk saw errors: {w['errors']} of {w['requests']} requests")
    return w, cpu


def _jobstack_enqueue(ctx, batch):
    """Figures 1 and 2, jobstack: wrk against a fresh server."""
    s = ctx.s
    js = Jobstack(ctx.workdir, ctx.redis).start_server()
    try:
        port = js.server.http_port
        m0, meter = js.metrics(), Meter(ctx, js)
        if batch:
            w, wrk_cpu = _wrk(ctx, "wrk-batch", f"http://127.0.0.1:{port}/v1/jobs/batch",
                              s.batch_connections, {"WRK_BATCH": str(load.BATCH)})
        else:
            w, wrk_cpu = _wrk(ctx, "wrk-single", f"http://127.0.0.1:{port}/v1/jobs", s.connections)
        used = meter.stop(client=wrk_cpu)
        trips, trip_s = _redis_round_trips(m0, js.metrics())
        jobs = w["requests"] * (load.BATCH if batch else 1)
        secs = w["duration_us"] / 1e6
        lat = w["latency_us"]
        out = {"jobs": jobs, "seconds": secs, "jobs_per_s": jobs / secs,
               "p50_ms": lat["p50"] / 1000, "p99_ms": lat["p99"] / 1000, "max_ms": lat["max"] / 1000,
               "redis_round_trips": trips, "redis_round_trip_s": trip_s, "rss": js.peak_rss(), **used}
        # Every 201 counted is a job in Redis; requests still open when wrk
        # stopped may have added a few more.
        queued = load.queue_stats(port).get("queued", 0)
        open_jobs = (s.batch_connections * load.BATCH) if batch else s.connections
        if not jobs <= queued <= jobs + open_jobs:
            raise RuntimeError(f"wrk counted {jobs} jobs, the queue holds {queued}")
        return out
    finally:
        js.stop()


def _bullmq_enqueue(ctx, batch):
    s = ctx.s
    meter = Meter(ctx)
    if batch:
        r, cpu, rss = ctx.node("bullmq-addbulk", "addbulk", s.seconds + 60, seconds=s.seconds, batch=load.BATCH,
                               concurrency=s.batch_connections)
    else:
        r, cpu, rss = ctx.node("bullmq-add", "add", s.seconds + 60, seconds=s.seconds, chunk=100)
    r.update(meter.stop(client=cpu), rss={"client": rss})
    return r


def _both(ctx, run, jobstack, bullmq):
    """Runs the two sides in an order that alternates between runs, each on
    an emptied Redis."""
    out = {}
    order = [("jobstack", jobstack), ("bullmq", bullmq)]
    for name, fn in (order if run % 2 == 0 else order[::-1]):
        ctx.rc.flush()
        log(f"  {name}")
        out[name] = fn()
    ctx.rc.flush()
    return out


def fig1_enqueue_single(ctx, run):
    return _both(ctx, run, lambda: _jobstack_enqueue(ctx, False), lambda: _bullmq_enqueue(ctx, False))


def fig2_enqueue_batch(ctx, run):
    return _both(ctx, run, lambda: _jobstack_enqueue(ctx, True), lambda: _bullmq_enqueue(ctx, True))


def fig3_processing(ctx, run):
    s = ctx.s
    n = s.process_jobs

    def jobstack():
        js = Jobstack(ctx.workdir, ctx.redis).start_server()
        try:
            port = js.server.http_port
            fill_s = load.fill(port, n)
            top = [j["id"] for j in load.list_jobs(port, "queued", limit=100, pages=1)]  # delivered first
            m0, meter = js.metrics(), Meter(ctx, js)
            js.start_worker(s.concurrency)
            load.wait_succeeded(port, n, timeout=max(120, n / 200))
            used = meter.stop()
            trips, trip_s = _redis_round_trips(m0, js.metrics())
            first, last = load.first_started(port, top), load.last_finished(port)
            return {"jobs": n, "seconds": last - first, "jobs_per_s": n / (last - first),
                    "fill_jobs_per_s": n / fill_s, "redis_round_trips": trips, "redis_round_trip_s": trip_s,
                    "rss": js.peak_rss(), **used}
        finally:
            js.stop()

    def bullmq():
        fill, _, _ = ctx.node("bullmq-fill", "fill", 600, jobs=n)
        meter = Meter(ctx)
        r, cpu, rss = ctx.node("bullmq-work", "work", max(120, n / 200) + 30, jobs=n, concurrency=s.concurrency,
                               timeout_s=max(120, n / 200))
        if not r["complete"] or r["failed"]:
            raise RuntimeError(f"BullMQ worker: {r}")
        r.update(meter.stop(worker=cpu), rss={"worker": rss}, fill_jobs_per_s=fill["jobs_per_s"])
        return r

    return _both(ctx, run, jobstack, bullmq)


def _percentiles(values):
    v = sorted(values)
    at = lambda p: v[min(len(v) - 1, max(0, -(-len(v) * p // 100) - 1))]  # noqa: E731 (nearest rank)
    return {"p50_ms": at(50), "p99_ms": at(99), "max_ms": v[-1]}


def fig4_latency(ctx, run):
    s = ctx.s
    total = int(s.rate * s.seconds)

    def jobstack():
        js = Jobstack(ctx.workdir, ctx.redis).start_server()
        try:
            port = js.server.http_port
            js.start_worker(s.concurrency)
            meter = Meter(ctx, js)
            sent, send_s = load.open_loop(port, s.rate, s.seconds)
            load.wait_succeeded(port, len(sent), timeout=120)
            used = meter.stop(python_client=True)
            done = load.finished_times(port)
            lat = [(done[i] - t) * 1000 for i, t in sent.items()]
            return {"jobs": len(lat), "send_rate": len(sent) / send_s, **_percentiles(lat),
                    "rss": js.peak_rss(), **used}
        finally:
            js.stop()

    def bullmq():
        worker = Child("bullmq-work-latency", ctx.node_argv("work", jobs=total, concurrency=s.concurrency,
                                                            timeout_s=s.seconds + 120), ctx.workdir)
        try:
            worker.wait_line("READY", 30)
            meter = Meter(ctx)
            p, p_cpu, p_rss = ctx.node("bullmq-produce", "produce", s.seconds + 60, rate=s.rate, seconds=s.seconds)
            status, out, w_cpu, w_rss = worker.wait(s.seconds + 150)
        finally:
            if worker.proc.poll() is None:
                worker.proc.kill()
        r = json_line(out, "BENCH_JSON ")
        if status != 0 or not r["complete"] or r["failed"]:
            raise RuntimeError(f"BullMQ worker: status {status}, {r}")
        lat = r["latency_ms"]
        return {"jobs": lat["count"], "send_rate": p["jobs_per_s"], "p50_ms": lat["p50"], "p99_ms": lat["p99"],
                "max_ms": lat["max"], "rss": {"worker": w_rss, "client": p_rss},
                **meter.stop(client=p_cpu, worker=w_cpu)}

    return _both(ctx, run, jobstack, bullmq)


def _settle(ctx):
    """Waits for the AOF to be written and any AOF rewrite to end."""
    time.sleep(1.5)
    for _ in range(600):
        if ctx.rc.info("persistence").get("aof_rewrite_in_progress") == "0":
            return
        time.sleep(0.1)


def fig5_memory(ctx, run):
    n = ctx.s.memory_jobs

    def jobstack():
        js = Jobstack(ctx.workdir, ctx.redis).start_server()
        try:
            _settle(ctx)
            before = ctx.rc.used_memory()
            fill_s = load.fill(js.server.http_port, n)
            _settle(ctx)
            after = ctx.rc.used_memory()
            return {"jobs": n, "bytes_per_job": (after - before) / n, "used_memory": after,
                    "fill_jobs_per_s": n / fill_s, "rss": js.peak_rss()}
        finally:
            js.stop()

    def bullmq():
        _settle(ctx)
        before = ctx.rc.used_memory()
        r, _, rss = ctx.node("bullmq-fill-memory", "fill", 900, jobs=n)
        _settle(ctx)
        after = ctx.rc.used_memory()
        return {"jobs": n, "bytes_per_job": (after - before) / n, "used_memory": after,
                "fill_jobs_per_s": r["jobs_per_s"], "rss": {"client": rss}}

    return _both(ctx, run, jobstack, bullmq)


def _redis_benchmark(ctx, name, pipeline, requests, command):
    argv = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(ctx.redis.port), "-c", "50", "-n", str(requests),
            "-P", str(pipeline), "--csv"] + command
    out, _, _ = run_child(name, argv, ctx.workdir, 300)
    for row in csv.reader(io.StringIO(out)):
        try:
            return float(row[1])
        except (IndexError, ValueError):
            continue
    raise RuntimeError(f"no rate in redis-benchmark's output: {out[-500:]}")


def fig6_redis_ceiling(ctx, run):
    """redis-benchmark on the same Redis: LPUSH (jobstack's enqueue onto a
    ready stack) and LMOVE (its claim), each at -P 1 and -P 64."""
    n = ctx.s.redis_requests
    ctx.rc.flush()
    out = {}
    for op, command in (("lpush", ["LPUSH", "bench:list", "job-id-01JDX3Q7ZK8M2V6W4T9R5N1B0C"]),
                        ("lmove", ["LMOVE", "bench:list", "bench:list", "LEFT", "RIGHT"])):
        for p in (1, 64):
            out[f"{op}_p{p}"] = _redis_benchmark(ctx, f"redis-benchmark-{op}-{p}", p, n * (10 if p > 1 else 1),
                                                 command)
    ctx.rc.flush()
    return {"redis": out}


FIGURES = {1: fig1_enqueue_single, 2: fig2_enqueue_batch, 3: fig3_processing, 4: fig4_latency,
           5: fig5_memory, 6: fig6_redis_ceiling}

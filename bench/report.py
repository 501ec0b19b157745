"""bench/report.py: turns the raw runs of bench/run.py into the summary
(median, min, max of each figure and of the jobstack/BullMQ ratio taken
within each run), the targets of issue 7 (met / not met), and Markdown:
the main table, the Redis ceiling, and where the CPU time goes.
Python 3 standard library only."""

import statistics

MiB = "MiB"


def stat(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def dig(record, key):
    """record["a"]["b"] for key "a.b"; None when missing."""
    for part in key.split("."):
        if not isinstance(record, dict) or part not in record:
            return None
        record = record[part]
    return record


# (figure, label, unit, key in each run, target) -- target: (kind, value, text)
#   ratio_ge / ratio_le: the median of the per-run ratios jobstack/BullMQ
#   le: jobstack's median;  max_le: jobstack's largest value over the runs
ROWS = [
    (1, "HTTP enqueue, 1 job/request (wrk, 64 conns) vs Queue.add", "jobs/s", "jobs_per_s",
     ("ratio_ge", 1.0, "≥ 1.0× BullMQ")),
    (1, "… p50 latency per request", "ms", "p50_ms", None),
    (1, "… p99 latency per request", "ms", "p99_ms", ("le", 5.0, "≤ 5 ms")),
    (2, "HTTP enqueue, batches of 1000 vs addBulk", "jobs/s", "jobs_per_s", ("ratio_ge", 3.0, "≥ 3× BullMQ")),
    (3, "processing: {process_jobs:,} queued jobs, one worker node", "jobs/s", "jobs_per_s",
     ("ratio_ge", 3.0, "≥ 3× BullMQ")),
    (4, "end-to-end latency at {rate:,} jobs/s, p50", "ms", "p50_ms", ("le", 1.0, "≤ 1 ms")),
    (4, "… p99", "ms", "p99_ms", ("ratio_le", 0.25, "≤ ¼ of BullMQ")),
    (4, "… max", "ms", "max_ms", None),
    (4, "… send rate achieved", "jobs/s", "send_rate", None),
    (5, "server peak RSS during 3", MiB, "fig3:rss.server", ("max_le", 64, "≤ 64 MiB")),
    (5, "worker peak RSS during 3 (BullMQ: Worker process)", MiB, "fig3:rss.worker", ("max_le", 64, "≤ 64 MiB")),
    (5, "server peak RSS during 4", MiB, "fig4:rss.server", ("max_le", 64, "≤ 64 MiB")),
    (5, "worker peak RSS during 4 (BullMQ: Worker process)", MiB, "fig4:rss.worker", ("max_le", 64, "≤ 64 MiB")),
    (5, "Redis used_memory per queued job ({memory_jobs:,} queued)", "bytes", "bytes_per_job",
     ("ratio_le", 1.0, "≤ BullMQ")),
    (5, "server peak RSS with {memory_jobs:,} queued", MiB, "rss.server", None),
]


def _runs(figures, fig, key):
    """(runs of the figure the key belongs to, key within a run)."""
    if ":" in key:
        name, key = key.split(":")
        fig = int(name[3:])
    return figures.get(fig, {}).get("runs", []), key


def summarize(figures, settings):
    """The rows of the main table as dicts (also stored in the JSON file)."""
    rows = []
    for fig, label, unit, key, target in ROWS:
        runs, k = _runs(figures, fig, key)
        if not runs:
            continue
        js = [dig(r.get("jobstack"), k) for r in runs]
        bm = [dig(r.get("bullmq"), k) for r in runs]
        ratios = [a / b for a, b in zip(js, bm) if a is not None and b]
        row = {"figure": fig, "label": label.format(**settings), "unit": unit, "key": key,
               "jobstack": stat(js), "bullmq": stat(bm), "ratio": stat(ratios), "target": None, "met": None}
        if target:
            kind, value, text = target
            row["target"] = text
            if kind.startswith("ratio") and row["ratio"]:
                r = row["ratio"]["median"]
                row["met"] = r >= value if kind == "ratio_ge" else r <= value
            elif kind == "le" and row["jobstack"]:
                row["met"] = row["jobstack"]["median"] <= value
            elif kind == "max_le" and row["jobstack"]:
                row["met"] = row["jobstack"]["max"] <= value
        rows.append(row)
    return rows


def redis_ceiling(figures):
    runs = figures.get(6, {}).get("runs", [])
    return {k: stat([r["redis"][k] for r in runs]) for k in ("lpush_p1", "lpush_p64", "lmove_p1", "lmove_p64")} \
        if runs else {}


def cost(figures):
    """Where the CPU goes, per figure 1-4 and side: medians over the runs of
    CPU µs per job of each process, Redis commands and round trips per job,
    Redis busy (its CPU / wall time) and cores busy in all."""
    out = []
    for fig in (1, 2, 3, 4):
        for side in ("jobstack", "bullmq"):
            runs = [r[side] for r in figures.get(fig, {}).get("runs", []) if side in r]
            if not runs:
                continue
            procs = sorted({p for r in runs for p in r.get("cpu", {})})
            entry = {"figure": fig, "side": side,
                     "jobs_per_s": stat([r.get("jobs_per_s", r.get("send_rate")) for r in runs]),
                     "cpu_us_per_job": {p: statistics.median(r["cpu"][p] / r["jobs"] * 1e6 for r in runs)
                                        for p in procs},
                     "redis_commands_per_job": statistics.median(r["redis_commands"] / r["jobs"] for r in runs),
                     "redis_busy": statistics.median(r["cpu"]["redis"] / r["wall_s"] for r in runs),
                     "cores_busy": statistics.median(sum(r["cpu"].values()) / r["wall_s"] for r in runs),
                     "other_cores": statistics.median(r.get("other_cpu_s", 0) / r["wall_s"] for r in runs)}
            if all("redis_round_trips" in r for r in runs):
                entry["redis_round_trips_per_job"] = statistics.median(r["redis_round_trips"] / r["jobs"]
                                                                       for r in runs)
                entry["redis_round_trip_ms"] = statistics.median(
                    r["redis_round_trip_s"] / r["redis_round_trips"] * 1000 for r in runs if r["redis_round_trips"])
                # The server waits for one round trip at a time per connection:
                # near 100%, its Redis connection is the bottleneck.
                entry["server_redis_wait"] = statistics.median(r["redis_round_trip_s"] / r["wall_s"] for r in runs)
            out.append(entry)
    return out


# -- Markdown -------------------------------------------------------------------

def num(v):
    if v is None:
        return "—"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}" if abs(v) >= 0.1 else f"{v:.3f}"


def cell(s, suffix=""):
    if not s:
        return "—"
    if s["n"] == 1:
        return f"{num(s['median'])}{suffix}"
    return f"{num(s['median'])}{suffix} ({num(s['min'])}–{num(s['max'])})"


def markdown(result):
    m = result["machine"]
    lines = [f"Measured {result['date']} on {m['hostname']}: {m['cores']} cores ({m['cpu']}), "
             f"{m['memory_gib']:.0f} GiB; Redis {result['versions']['redis']} (AOF everysec), "
             f"BullMQ {result['versions']['bullmq']} on Node {result['versions']['node']}, "
             f"jobstack {result['versions']['jobstack']} ({result['versions'].get('jobstack_build', 'unknown')} "
             f"build). Redis, the load generator and the system "
             f"under test share the cores. Before the run, other processes kept "
             f"{result.get('cores_busy_before', 0):.2f} cores busy.", ""]
    lines += [f"Each cell: median (min–max) of {result['settings']['runs']} runs; ratio = jobstack / BullMQ "
              "within each run. " + result["notes"], ""]
    lines += ["| # | figure | unit | jobstack | BullMQ | ratio | target | met |", "|---|---|---|---|---|---|---|---|"]
    for r in result["rows"]:
        met = {True: "met", False: "**not met**", None: ""}[r["met"]]
        lines.append(f"| {r['figure']} | {r['label']} | {r['unit']} | {cell(r['jobstack'])} | {cell(r['bullmq'])} "
                     f"| {cell(r['ratio'], '×')} | {r['target'] or ''} | {met} |")
    ceiling = result.get("redis_ceiling")
    if ceiling:
        lines += ["", "Redis ceiling (figure 6, `redis-benchmark -c 50`, same Redis, ops/s):", "",
                  "| command | -P 1 | -P 64 |", "|---|---|---|",
                  f"| LPUSH (enqueue onto a ready stack) | {cell(ceiling['lpush_p1'])} | {cell(ceiling['lpush_p64'])} |",
                  f"| LMOVE (claim) | {cell(ceiling['lmove_p1'])} | {cell(ceiling['lmove_p64'])} |"]
    if result.get("cost"):
        lines += ["", "Where the CPU goes (medians; µs of CPU per job; Redis busy = its CPU time / wall time; "
                  "server's Redis round trips: per job, their mean time, and their total time / wall time; "
                  "cores busy = all the figure's processes; others' cores = CPU used meanwhile by processes "
                  "outside the benchmark, which a quiet machine keeps near 0):", "",
                  "| # | side | jobs/s | client µs | server µs | worker µs | Redis µs | Redis cmds/job "
                  "| Redis round trips/job | Redis busy | cores busy | others' cores |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for c in result["cost"]:
            u = c["cpu_us_per_job"]
            trips = c.get("redis_round_trips_per_job")
            trips = "—" if trips is None else (f"{num(trips)} ({num(c.get('redis_round_trip_ms'))} ms each, "
                                               f"{c['server_redis_wait']:.0%} of the time)")
            lines.append(f"| {c['figure']} | {c['side']} | {cell(c['jobs_per_s'])} | {num(u.get('client'))} "
                         f"| {num(u.get('server'))} | {num(u.get('worker'))} | {num(u.get('redis'))} "
                         f"| {num(c['redis_commands_per_job'])} | {trips} | {c['redis_busy']:.0%} "
                         f"| {c['cores_busy']:.2f} | {c['other_cores']:.2f} |")
    return "\n".join(lines) + "\n"

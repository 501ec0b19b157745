"""bench/procs.py: the processes of a benchmark run and what they cost.

- Redis, jobstack-server and jobstack-worker come from tests/e2e/harness.py
  (same temp dirs, free loopback ports, AOF everysec, always stopped at exit),
  started here with log level warn and a readiness check that does not need
  info-level log lines.
- Child commands (wrk, node, redis-benchmark) run with os.wait4, so each one's
  own CPU time and peak RSS are known.
- cpu_seconds()/peak_rss_mib() read /proc for the long-lived processes.
- Redis: a minimal RESP client (INFO, FLUSHALL, ...).

Python 3 standard library only."""

import json
import os
import socket
import subprocess
import sys
import time
from http import client as http_client
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests" / "e2e"))
import harness  # noqa: E402  (the e2e process classes: one way to start the system)

BENCH_ENV = {"CSC_LOG_LEVEL": "warn"}  # a log line per job would measure the logger
_TICK = os.sysconf("SC_CLK_TCK")

# Before exec: the child gets SIGKILL if the benchmark dies (PR_SET_PDEATHSIG).
_die_with_parent = harness._die_with_parent


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- /proc ----------------------------------------------------------------------

def cpu_seconds(pid):
    """User + system CPU seconds of a live process (all its threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime


def system_busy_seconds():
    """CPU seconds all cores have spent busy since boot (/proc/stat: all but
    idle and iowait)."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:9]]
    return (sum(values) - values[3] - values[4]) / _TICK


def peak_rss_mib(pid):
    """VmHWM of a live process: its peak resident set since it started, MiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


# -- children with their own rusage ----------------------------------------------

class Child:
    """A command run in the background, output to files in `workdir`; wait()
    returns (status, stdout text, cpu seconds, peak RSS MiB) from os.wait4."""

    def __init__(self, name, argv, workdir, env=None, cwd=REPO_ROOT):
        self.name = name
        self.out_path = Path(workdir) / f"{name}.out"
        self.err_path = Path(workdir) / f"{name}.err"
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=err, preexec_fn=_die_with_parent)

    def stdout(self):
        return self.out_path.read_text(errors="replace")

    def wait_line(self, marker, timeout):
        """Waits until stdout has a line starting with marker (the child is ready)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(line.startswith(marker) for line in self.stdout().splitlines()):
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited before printing {marker}: {self.tail()}")
            time.sleep(0.02)
        raise RuntimeError(f"{self.name} did not print {marker} within {timeout}s: {self.tail()}")

    def wait(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            pid, status, ru = os.wait4(self.proc.pid, os.WNOHANG)
            if pid:
                self.proc.returncode = os.waitstatus_to_exitcode(status)
                return self.proc.returncode, self.stdout(), ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024
            if time.monotonic() > deadline:
                self.proc.kill()
                timeout = deadline = time.monotonic() + 10
                log(f"{self.name} ran past its time budget: killed")
            time.sleep(0.02)

    def tail(self, n=15):
        text = (self.stdout() + self.err_path.read_text(errors="replace")).splitlines()
        return "\n".join(text[-n:])


def run_child(name, argv, workdir, timeout, env=None, cwd=REPO_ROOT):
    """Runs a command to its end: (stdout, cpu seconds, peak RSS MiB); raises
    on a non-zero exit status."""
    child = Child(name, argv, workdir, env, cwd)
    status, out, cpu, rss = child.wait(timeout)
    if status != 0:
        raise RuntimeError(f"{name} exited with status {status}:\n{child.tail()}")
    return out, cpu, rss


def json_line(text, marker):
    """The JSON object of the last stdout line starting with marker."""
    lines = [line for line in text.splitlines() if line.startswith(marker)]
    if not lines:
        raise RuntimeError(f"no {marker} line in:\n{text[-2000:]}")
    return json.loads(lines[-1][len(marker):])


# -- Redis ----------------------------------------------------------------------

class RedisConn:
    """A minimal RESP2 client: call('INFO', 'memory') -> reply."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.file = self.sock.makefile("rb")

    def close(self):
        self.file.close()
        self.sock.close()

    def call(self, *args):
        parts = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(parts))
        return self._reply()

    def _reply(self):
        line = self.file.readline()
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(f"redis: {rest.decode()}")
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.file.read(n + 2)[:-2].decode()
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._reply() for _ in range(n)]
        raise RuntimeError(f"redis: unexpected reply {line!r}")

    def info(self, section):
        out = {}
        for line in self.call("INFO", section).splitlines():
            if ":" in line and not line.startswith("#"):
                k, v = line.split(":", 1)
                out[k] = v
        return out

    def used_memory(self):
        return int(self.info("memory")["used_memory"])

    def flush(self):
        """FLUSHALL, then waits for a running AOF rewrite to end, so that the
        next figure starts from an empty, quiet Redis."""
        self.call("FLUSHALL")
        for _ in range(600):
            if self.info("persistence").get("aof_rewrite_in_progress") == "0":
                return
            time.sleep(0.1)


# -- jobstack -------------------------------------------------------------------

def http_json(port, method, path, body=None, timeout=30):
    """One request on a fresh connection: (status, parsed JSON or None)."""
    conn = http_client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        return resp.status, (json.loads(raw) if raw else None)
    finally:
        conn.close()


class Jobstack:
    """One jobstack-server (and optionally worker nodes) on a Redis, for one
    run of one figure: start(), then stop() returns their peak RSS."""

    def __init__(self, workdir, redis):
        self.workdir, self.redis = workdir, redis
        self.server = None
        self.workers = []

    def start_server(self):
        self.server = harness.Server(self.workdir, self.redis, extra_env=BENCH_ENV).start().wait_ready()
        return self

    def start_worker(self, concurrency):
        worker_id = f"bench-{os.getpid()}-{len(self.workers) + 1}-{int(time.time() * 1000) % 100000}"
        w = harness.Worker(self.workdir, self.server, worker_id, concurrency,
                           extra_env=BENCH_ENV)
        w.start()
        self.workers.append(w)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # joined: GET /v1/workers lists it
            status, body = http_json(self.server.http_port, "GET", "/v1/workers")
            if status == 200 and any(n.get("id", "").startswith(worker_id) for n in body["workers"]):
                return w
            if not w.running():
                raise RuntimeError(f"worker exited while joining:\n{w.diagnostics()}")
            time.sleep(0.05)
        raise RuntimeError(f"worker {worker_id} did not join within 30s:\n{w.diagnostics()}")

    def cpu(self):
        """{name: CPU seconds so far} of the server, the workers and Redis."""
        out = {"server": cpu_seconds(self.server.proc.pid), "redis": cpu_seconds(self.redis.proc.pid)}
        if self.workers:
            out["worker"] = sum(cpu_seconds(w.proc.pid) for w in self.workers)
        return out

    def metrics(self):
        """Selected sums and counts of the server's /metrics (Redis round
        trips, HTTP request time), as {series: value}."""
        conn = http_client.HTTPConnection("127.0.0.1", self.server.http_port, timeout=10)
        try:
            conn.request("GET", "/metrics")
            text = conn.getresponse().read().decode()
        finally:
            conn.close()
        out = {}
        for line in text.splitlines():
            if line.startswith(("jobstack_redis_command_duration_seconds_sum",
                                "jobstack_redis_command_duration_seconds_count",
                                "jobstack_http_request_duration_seconds_sum",
                                "jobstack_http_request_duration_seconds_count")):
                name, value = line.rsplit(" ", 1)
                out[name] = float(value)
        return out

    def peak_rss(self):
        out = {"server": peak_rss_mib(self.server.proc.pid)}
        if self.workers:
            out["worker"] = max(peak_rss_mib(w.proc.pid) for w in self.workers)
        return out

    def stop(self):
        for p in self.workers + [self.server]:
            if p is not None:
                p.stop(timeout=15)
        self.workers, self.server = [], None


def start_redis(workdir):
    """redis-server on a free loopback port, AOF everysec, data in workdir."""
    return harness.TempRedis(workdir).start()

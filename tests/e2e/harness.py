"""End-to-end test harness: real redis-server, jobstack-server and
jobstack-worker processes (and Prometheus, for test_prometheus) on 127.0.0.1,
each in a temp dir, always stopped.
Binaries come from $JOBSTACK_BIN_DIR (default <repo>/build/bin); processes run
with the repo root as CWD. Python 3 standard library only."""

import atexit
import ctypes
import hashlib
from http import client as http_client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error as _urlerror
import urllib.parse as _urlparse
import urllib.request as _urlrequest
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN_DIR = Path(os.environ.get("JOBSTACK_BIN_DIR") or REPO_ROOT / "build" / "bin")
REDIS_SERVER = os.environ.get("JOBSTACK_REDIS_SERVER") or shutil.which("redis-server") or "/usr/bin/redis-server"
TIMEOUT_S = float(os.environ.get("JOBSTACK_E2E_TIMEOUT_S", "120"))
PROMETHEUS = os.environ.get("JOBSTACK_PROMETHEUS") or shutil.which("prometheus") or "/usr/bin/prometheus"

_live = []  # every process started and not yet stopped, oldest first

# JOBSTACK_CONTRACT=1 (set by ctest): every response any Client gets is checked
# against openapi.yaml (tests/e2e/contract.py); a mismatch fails the test.
if os.environ.get("JOBSTACK_CONTRACT", "0") not in ("", "0", "false", "no", "off"):
    import contract as _contract
else:
    _contract = None


# JOBSTACK_E2E_AUTH=1 (set by e2e.auth_suite): every Server starts with
# authorization on and one admin token, E2E_TOKEN, and every Client sends it,
# so the API tests run unchanged against a guarded server. A fresh token per
# run, so no test can pass by knowing it in advance.
E2E_AUTH = os.environ.get("JOBSTACK_E2E_AUTH", "0") not in ("", "0", "false", "no", "off")
E2E_TOKEN = "e2e-" + secrets.token_urlsafe(24)


def auth_env():
    """The server settings of JOBSTACK_E2E_AUTH (none when it is off)."""
    if not E2E_AUTH:
        return {}
    digest = hashlib.sha256(E2E_TOKEN.encode()).hexdigest()
    return {"CSC_AUTH_ENABLED": "true", "CSC_AUTH_TOKENS": f"e2e-admin:{digest}:admin"}


def auth_headers():
    """{"Authorization": "Bearer E2E_TOKEN"} under JOBSTACK_E2E_AUTH, else {};
    for requests written by hand (raw sockets)."""
    return {"Authorization": f"Bearer {E2E_TOKEN}"} if E2E_AUTH else {}


class TestFailure(Exception):
    """A checked expectation did not hold."""


def check(cond, message):
    """Like assert, but also active under python -O."""
    if not cond:
        raise TestFailure(message)


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- small utilities -----------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(pred, timeout, interval=0.1, what="condition"):
    """Calls pred until it returns a truthy value, which is returned; raises
    TestFailure after `timeout` seconds (bounded in time and in count).
    `what` is a text or a function giving one (called on timeout)."""
    deadline = time.monotonic() + timeout
    for _ in range(int(timeout / interval) + 2):
        value = pred()
        if value:
            return value
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    raise TestFailure(f"timed out after {timeout:.1f}s waiting for {what() if callable(what) else what}")


def parse_time(text):
    """RFC 3339 timestamp -> aware datetime (None stays None)."""
    if text is None:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def now_utc():
    return datetime.now(timezone.utc)


def tail(path, lines=40):
    try:
        data = Path(path).read_text(errors="replace").splitlines()
    except OSError as e:
        return f"<cannot read {path}: {e}>"
    return "\n".join(data[-lines:]) or "<empty>"


# -- HTTP ----------------------------------------------------------------------

_AUTO = object()


class Client:
    """A keep-alive HTTP/1.1 client for 127.0.0.1:port (one per thread);
    HTTPS when given an ssl.SSLContext as `tls`. `token` is sent as
    `Authorization: Bearer` unless a request sets that header itself; by
    default E2E_TOKEN under JOBSTACK_E2E_AUTH, else none."""

    def __init__(self, port, timeout=10, token=_AUTO, tls=None):
        self.port, self.timeout, self.conn, self.tls = port, timeout, None, tls
        self.token = (E2E_TOKEN if E2E_AUTH else None) if token is _AUTO else token

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None

    def request(self, method, path, body=None, headers=None):
        """Returns (status, headers, body): body is parsed JSON when it parses,
        else text. A dict/list body is sent as JSON."""
        headers = dict(headers or {})
        if self.token and not any(k.lower() == "authorization" for k in headers):
            headers["Authorization"] = f"Bearer {self.token}"
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            headers.setdefault("Content-Type", "application/json")
        if isinstance(body, str):
            body = body.encode()
        for attempt in (1, 2):
            reused = self.conn is not None
            if not reused:
                if self.tls is not None:
                    self.conn = http_client.HTTPSConnection("127.0.0.1", self.port, timeout=self.timeout,
                                                            context=self.tls)
                else:
                    self.conn = http_client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                raw = resp.read()
                break
            except (http_client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()  # the server closed an idle keep-alive connection
                if not reused or attempt == 2:
                    raise
            except Exception:
                self.close()
                raise
        if resp.getheader("Connection", "").lower() == "close":
            self.close()
        text = raw.decode("utf-8", errors="replace")
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = text
        if _contract is not None:
            try:
                _contract.check_response(method, path, resp.status, resp.headers, parsed)
            except _contract.ContractViolation as e:
                raise TestFailure(str(e)) from None
        return resp.status, resp.headers, parsed


def http(port, method, path, body=None, headers=None, token=_AUTO, tls=None):
    """One request on a fresh connection: (status, headers, json-or-text)."""
    client = Client(port, token=token, tls=tls)
    try:
        return client.request(method, path, body, headers)
    finally:
        client.close()


# -- processes -----------------------------------------------------------------

try:
    _libc = ctypes.CDLL("libc.so.6", use_errno=True)
except OSError:
    _libc = None


def _die_with_parent():
    # Runs in the child before exec: if this test is killed (e.g. by ctest's
    # timeout), the kernel kills the child too (prctl PR_SET_PDEATHSIG = 1).
    if _libc is not None:
        _libc.prctl(1, signal.SIGKILL)


class Process:
    """A child process with stdout/stderr in <dir>/<name>.{out,err}.log."""

    def __init__(self, name, argv, env, workdir):
        self.name, self.argv, self.env, self.workdir = name, argv, env, Path(workdir)
        self.out_path = self.workdir / f"{name}.out.log"
        self.err_path = self.workdir / f"{name}.err.log"
        self.proc = None

    def start(self):
        check(self.proc is None or self.proc.poll() is not None, f"{self.name} is already running")
        check(Path(self.argv[0]).exists(), f"{self.argv[0]} not found (build first?)")
        with open(self.out_path, "ab") as out, open(self.err_path, "ab") as err:
            self.proc = subprocess.Popen(self.argv, cwd=REPO_ROOT, env=self.env, stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=err, preexec_fn=_die_with_parent)
        _live.append(self)
        log(f"started {self.name} (pid {self.proc.pid})")
        return self

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self, sig=signal.SIGKILL):
        """Sends sig; for SIGKILL also reaps the process."""
        log(f"sending {signal.Signals(sig).name} to {self.name} (pid {self.proc.pid})")
        self.proc.send_signal(sig)
        if sig == signal.SIGKILL:
            self.proc.wait(timeout=10)
            self._forget()

    def wait_exit(self, timeout):
        """Waits up to timeout seconds; returns the exit status or None."""
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        self._forget()
        return rc

    def stop(self, timeout=15):
        """SIGTERM (and SIGCONT, in case it is stopped), bounded wait, then
        SIGKILL. Returns the exit status (negative: killed by that signal)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.send_signal(signal.SIGCONT)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                log(f"{self.name} ignored SIGTERM for {timeout}s; sending SIGKILL")
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._forget()
        return self.proc.returncode

    def _forget(self):
        if self in _live:
            _live.remove(self)

    def diagnostics(self):
        state = "running" if self.running() else f"last exit status {self.proc.returncode if self.proc else None}"
        return (f"----- {self.name} ({state}) stdout: {self.out_path}\n{tail(self.out_path)}\n"
                f"----- {self.name} stderr: {self.err_path}\n{tail(self.err_path)}")

    def _check_alive(self, what):
        if not self.running():
            raise TestFailure(f"{self.name} exited with status {self.proc.returncode} while {what}")


def _read_resp(f):
    line = f.readline().rstrip(b"\r\n")
    kind, rest = line[:1], line[1:]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise TestFailure(f"redis error: {rest.decode()}")
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        return None if n < 0 else f.read(n + 2)[:-2].decode()
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [_read_resp(f) for _ in range(n)]
    raise TestFailure(f"unexpected redis reply {line!r}")


class TempRedis(Process):
    """redis-server on a free port with AOF (appendfsync everysec) in <dir>/redis;
    with `password`, clients must AUTH (requirepass)."""

    def __init__(self, workdir, password=None, user=None):
        self.port = free_port()
        self.password, self.user = password, user
        data = Path(workdir) / "redis"
        data.mkdir(parents=True, exist_ok=True)
        argv = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(data),
                "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--daemonize", "no"]
        if user:  # an ACL user with every right; the default user off
            argv += ["--user", user, "on", f">{password}", "~*", "&*", "+@all", "--user", "default", "off"]
        elif password:
            argv += ["--requirepass", password]
        super().__init__("redis", argv, dict(os.environ), workdir)

    def ping(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                if self.password:
                    args = [b"AUTH"] + ([self.user.encode()] if self.user else []) + [self.password.encode()]
                    s.sendall(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
                    if not s.recv(64).startswith(b"+OK"):
                        return False
                s.sendall(b"*1\r\n$4\r\nPING\r\n")
                return s.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def start(self):
        super().start()

        def ready():
            self._check_alive("starting")
            return self.ping()
        wait_until(ready, 15, 0.05, "redis-server to answer PING")
        return self

    def command(self, *args):
        """One command on a fresh connection (no AUTH): the reply as int,
        str, None or a list of them; an error reply raises TestFailure."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            data = [str(a).encode() for a in args]
            s.sendall(b"*%d\r\n" % len(data) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in data))
            return _read_resp(s.makefile("rb"))

    def restart(self, sig=signal.SIGTERM):
        """Stops (SIGTERM, or kills with sig) and starts again on the same port and dir."""
        if sig == signal.SIGTERM:
            self.stop()
        else:
            self.kill(sig)
            self.wait_exit(10)
        return self.start()


def _postgres_bindir():
    """Where initdb and postgres are: $JOBSTACK_PG_BINDIR, else `pg_config
    --bindir`, else the newest /usr/lib/postgresql/*/bin (Debian)."""
    found = os.environ.get("JOBSTACK_PG_BINDIR")
    if not found and shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, timeout=10).stdout.strip()
        found = out if out and (Path(out) / "initdb").exists() else None
    if not found:
        dirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda d: int(d.parent.name)
                      if d.parent.name.isdigit() else 0, reverse=True)
        found = str(dirs[0]) if dirs else None
    return Path(found) if found and (Path(found) / "initdb").exists() else None


class TempPostgres(Process):
    """A PostgreSQL server on a free 127.0.0.1 port with its data and unix
    socket in <dir>/postgres. initdb makes `user` the superuser (password
    auth over TCP, trust over the socket) and a database named after it (the
    default database of a libpq client). As root it runs as the `postgres`
    user (initdb refuses root). stop() is PostgreSQL's fast shutdown (SIGINT,
    what `pg_ctl stop -m fast` sends); start() again reuses the data."""

    def __init__(self, workdir, user="jobstack", password="e2e-pg-secret"):
        self.port, self.user, self.password = free_port(), user, password
        self.bindir = _postgres_bindir()
        check(self.bindir is not None, "PostgreSQL not found: install Debian's postgresql or set JOBSTACK_PG_BINDIR")
        self.home = Path(workdir) / "postgres"
        self.data = self.home / "data"
        self.home.mkdir(parents=True, exist_ok=True)
        self.as_user = []
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            # the sandbox (mode 0700) must let the postgres user through
            os.chmod(workdir, os.stat(workdir).st_mode | 0o111)
            shutil.chown(self.home, "postgres", "postgres")
            os.chmod(self.home, 0o700)
            self.as_user = [shutil.which("setpriv") or "/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups",
                            # the uid change clears the parent-death signal: set it again
                            "--pdeathsig", "KILL", "--"]
        argv = [*self.as_user, str(self.bindir / "postgres"), "-D", str(self.data), "-p", str(self.port),
                "-k", str(self.home), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                "-c", "full_page_writes=off", "-c", "log_min_messages=warning"]
        super().__init__("postgres", argv, dict(os.environ, LC_ALL="C"), workdir)
        self._initdb()

    def _run(self, argv, what, stdin=None):
        r = subprocess.run([*self.as_user, *argv], capture_output=True, text=True, timeout=120, input=stdin,
                           cwd=self.home, env=dict(os.environ, LC_ALL="C"))
        check(r.returncode == 0, f"{what} failed ({r.returncode}): {r.stderr.strip()}")
        return r.stdout

    def _initdb(self):
        pwfile = self.home / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self.as_user:
            shutil.chown(pwfile, "postgres", "postgres")
        self._run([str(self.bindir / "initdb"), "-D", str(self.data), "-U", self.user, "-E", "UTF8",
                   "--no-sync", "--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={pwfile}"], "initdb")
        pwfile.unlink()
        self._created_db = False

    def server_env(self):
        """The settings of a jobstack-server that archives here (no DB_NAME:
        the database is named after the user)."""
        return {"DB_HOSTNAME": "127.0.0.1", "DB_PORT": str(self.port), "DB_USERNAME": self.user,
                "DB_PASSWORD": self.password}

    def psql(self, sql, db=None):
        """Runs sql over the unix socket; the rows, each a list of texts."""
        out = self._run([str(self.bindir / "psql"), "-h", str(self.home), "-p", str(self.port), "-U", self.user,
                         "-d", db or self.user, "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                        f"psql {sql!r}")
        return [line.split("\t") for line in out.splitlines() if line]

    def ready(self):
        r = subprocess.run([str(self.bindir / "pg_isready"), "-h", str(self.home), "-p", str(self.port), "-U", self.user, "-d", "postgres", "-t", "1"],
                           capture_output=True, timeout=10)
        return r.returncode == 0

    def start(self):
        super().start()

        def ready():
            self._check_alive("starting")
            return self.ready()
        wait_until(ready, 30, 0.1, "postgres to accept connections")
        if not self._created_db:
            self.psql(f'CREATE DATABASE "{self.user}"', db="postgres")
            self._created_db = True
        return self

    def stop(self, timeout=15):
        """Fast shutdown: SIGINT (clients are disconnected), bounded wait."""
        if self.proc is not None and self.proc.poll() is None:
            log(f"stopping {self.name} (fast shutdown)")
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._forget()
        return self.proc.returncode if self.proc else None


class Server(Process):
    """jobstack-server on free HTTP and broker ports."""

    def __init__(self, workdir, redis, grace_ms=2000, name="server", extra_env=None, tls=None):
        self.http_port, self.broker_port = free_port(), free_port()
        self.tls = tls  # an ssl.SSLContext when the server speaks HTTPS
        env = clean_env()
        env.update(CSC_HTTP_HOST="127.0.0.1", CSC_HTTP_PORT=str(self.http_port),
                   CSC_BROKER_PORT=str(self.broker_port), REDIS_HOSTNAME="127.0.0.1",
                   REDIS_PORT=str(redis.port), CSC_WORKER_GRACE_MS=str(grace_ms), CSC_LOG_LEVEL="info")
        env.update(auth_env())
        env.update(extra_env or {})
        super().__init__(name, [str(BIN_DIR / "jobstack-server")], env, workdir)
        self.client = Client(self.http_port, tls=tls)

    def start(self):
        self.client.close()  # a restarted server gets fresh connections
        return super().start()

    def healthy(self):
        try:
            status, _, body = http(self.http_port, "GET", "/healthz", tls=self.tls)
            return status == 200 and body == {"status": "ok"}
        except (OSError, http_client.HTTPException):
            return False

    def wait_ready(self, timeout=30):
        def ready():
            self._check_alive("waiting for /healthz")
            return self.healthy()
        wait_until(ready, timeout, 0.1, f"{self.name} to answer GET /healthz")
        if E2E_AUTH and self.env.get("CSC_AUTH_ENABLED") == "true":
            # A run meant to be guarded must really be: no token, no entry.
            status, _, _ = http(self.http_port, "GET", "/v1/queues", token=None)
            check(status == 401, f"{self.name}: GET /v1/queues without a token -> {status}, want 401 "
                                 "(JOBSTACK_E2E_AUTH is set, but authorization is not on)")
        return self

    def http(self, method, path, body=None, headers=None):
        """A request on this server's keep-alive connection (main thread only)."""
        return self.client.request(method, path, body, headers)

    def post_job(self, spec, client=None):
        status, _, body = (client or self.client).request("POST", "/v1/jobs", spec)
        check(status == 201, f"POST /v1/jobs {json.dumps(spec)} -> {status} {body}")
        return body

    def get_job(self, job_id, client=None):
        status, _, body = (client or self.client).request("GET", f"/v1/jobs/{job_id}")
        check(status == 200, f"GET /v1/jobs/{job_id} -> {status} {body}")
        return body

    def get_jobs(self, ids):
        return {i: self.get_job(i) for i in ids}

    def wait_all_succeeded(self, ids, timeout, interval=0.2):
        """Polls the jobs not yet succeeded until all are; fails at once if one
        ends dead or cancelled. Returns {id: job}."""
        done, pending = {}, list(ids)

        def poll():
            for job_id in list(pending):
                job = self.get_job(job_id)
                check(job["status"] not in ("dead", "cancelled"), f"job {job_id} ended {job['status']}: {job}")
                if job["status"] == "succeeded":
                    done[job_id] = job
                    pending.remove(job_id)
            return not pending

        def still_pending():
            sample = {i: self.get_job(i) for i in pending[:3]}
            return (f"all {len(done) + len(pending)} jobs to succeed; {len(pending)} still pending, e.g. "
                    + "; ".join(f"{i}: {j['status']} on {j.get('worker')}, attempts {j['attempts']}"
                                for i, j in sample.items()))

        wait_until(poll, timeout, interval, still_pending)
        return done

    def wait_running_on(self, ids, worker, timeout, count=1):
        """Polls until at least `count` of the jobs are running on worker;
        returns {id: job} of the jobs running there at that moment."""
        def poll():
            jobs = self.get_jobs(ids)
            mine = {i: j for i, j in jobs.items() if j["status"] == "running" and worker.owns(j)}
            return mine if len(mine) >= count else None
        return wait_until(poll, timeout, 0.05, f"{count} job(s) to be running on {worker.name}")


class Worker(Process):
    """jobstack-worker joined to a Server's broker."""

    def __init__(self, workdir, server, worker_id, concurrency=2, queues="default", extra_env=None):
        self.worker_id = worker_id
        env = clean_env()
        env.update(CSC_BROKER_HOST="127.0.0.1", CSC_BROKER_PORT=str(server.broker_port),
                   CSC_WORKER_CONCURRENCY=str(concurrency), CSC_QUEUES=queues, CSC_WORKER_ID=worker_id,
                   CSC_METRICS_PORT=str(free_port()), CSC_INSPECT_HOST="127.0.0.1",
                   CSC_LOG_LEVEL="info")
        env.update(extra_env or {})
        super().__init__(f"worker-{worker_id}", [str(BIN_DIR / "jobstack-worker")], env, workdir)
        self._log_offset = 0

    def start(self):
        self._log_offset = self.err_path.stat().st_size if self.err_path.exists() else 0
        return super().start()

    def joined(self):
        with open(self.err_path, "rb") as f:
            f.seek(self._log_offset)
            return b"joined broker" in f.read()

    def wait_ready(self, timeout=30):
        def ready():
            self._check_alive("waiting for 'joined broker'")
            return self.joined()
        wait_until(ready, timeout, 0.1, f"{self.name} to log 'joined broker'")
        return self

    def owns(self, job):
        """True if job's `worker` field names this worker node."""
        w = job.get("worker") or ""
        return w == self.worker_id or (w.startswith(self.worker_id) and w[len(self.worker_id)] in ":/#@.")


_LOCAL = _urlrequest.build_opener(_urlrequest.ProxyHandler({}))  # never via an http_proxy


class Prometheus(Process):
    """A real Prometheus on a free loopback port scraping `targets`
    ({job_name: ["127.0.0.1:port", ...]}) and evaluating `rule_files`
    (absolute paths), both every second; its config and TSDB live in
    <dir>/prometheus. Queries go through urllib, not Client: its answers are
    not jobstack's API (no openapi.yaml check)."""

    def __init__(self, workdir, targets, rule_files=()):
        self.port = free_port()
        home = Path(workdir) / "prometheus"
        (home / "data").mkdir(parents=True, exist_ok=True)
        config = {"global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
                  "rule_files": [str(f) for f in rule_files],
                  "scrape_configs": [{"job_name": job, "metrics_path": "/metrics",
                                      "static_configs": [{"targets": list(addrs)}]}
                                     for job, addrs in targets.items()]}
        config_path = home / "prometheus.yml"
        config_path.write_text(json.dumps(config, indent=1))  # JSON is YAML
        argv = [PROMETHEUS, f"--config.file={config_path}", f"--storage.tsdb.path={home / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=info"]
        super().__init__("prometheus", argv, dict(os.environ), workdir)

    def get(self, path, **params):
        """GET path?params on its HTTP API: the parsed JSON body."""
        url = f"http://127.0.0.1:{self.port}{path}" + ("?" + _urlparse.urlencode(params) if params else "")
        try:
            with _LOCAL.open(url, timeout=5) as resp:
                return json.loads(resp.read().decode())
        except _urlerror.HTTPError as e:  # 4xx/5xx: the body says why
            return json.loads(e.read().decode() or "null")

    def api(self, path, **params):
        """data of /api/v1/<path>; fails unless status is success."""
        body = self.get(f"/api/v1/{path}", **params)
        check(isinstance(body, dict) and body.get("status") == "success", f"prometheus /api/v1/{path} {params}: {body}")
        return body["data"]

    def query(self, expr):
        """Instant query: [(labels, float value), ...]."""
        return [(r["metric"], float(r["value"][1])) for r in self.api("query", query=expr)["result"]]

    def start(self):
        check(Path(PROMETHEUS).exists(), f"{PROMETHEUS} not found: install Debian's prometheus package "
                                         "(scripts/lib.sh does) or set JOBSTACK_PROMETHEUS")
        super().start()

        def ready():
            self._check_alive("starting")
            try:
                with _LOCAL.open(f"http://127.0.0.1:{self.port}/-/ready", timeout=2) as resp:
                    return resp.status == 200
            except OSError:
                return False
        wait_until(ready, 30, 0.2, "prometheus to answer GET /-/ready")
        return self


def check_moved(jobs, snapshot, lost, survivor, lost_at):
    """The jobs of snapshot ran on worker `lost` until it was lost at lost_at
    (killed or stopped). Each must have been redelivered to `survivor`
    (attempts >= 2), unless `lost` finished it just before lost_at. No job may
    have been finished by `lost` after that. Returns how many moved."""
    slack = timedelta(seconds=0.5)  # a result in flight when the signal hit
    moved = 0
    for job_id, job in jobs.items():
        if lost.owns(job):
            check(parse_time(job["finished_at"]) <= lost_at + slack,
                  f"job {job_id} finished on {lost.name} after it was lost: {job}")
            continue
        if job_id in snapshot:
            check(survivor.owns(job) and job["attempts"] >= 2,
                  f"job {job_id} was running on {lost.name}; want it redelivered to {survivor.name} "
                  f"with attempts >= 2, got worker {job.get('worker')} attempts {job['attempts']}")
            moved += 1
    check(moved > 0, f"no job moved from {lost.name} to {survivor.name} (all finished before the signal?)")
    return moved


_no_config_dir = None


def no_config_dir():
    """An empty directory, removed at exit: APP_CONFIG_PATH of every process,
    so that a developer's config/local.yaml never changes a test."""
    global _no_config_dir
    if _no_config_dir is None:
        _no_config_dir = tempfile.mkdtemp(prefix="jobstack-e2e-noconfig-")
        atexit.register(shutil.rmtree, _no_config_dir, True)
    return _no_config_dir


def clean_env():
    """os.environ without any jobstack/Redis setting of the caller, and an
    application config directory without files."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CSC_", "REDIS_", "DB_", "SWAGGER_", "APP_CONFIG", "ASAN_", "UBSAN_"))
           and k != "ENV"}
    env["APP_CONFIG_PATH"] = no_config_dir()
    return env


def stop_all():
    """Stops every live process, newest first (workers, then server, then Redis)."""
    for p in reversed(list(_live)):
        try:
            p.stop(timeout=10)
        except Exception as e:  # keep stopping the others
            print(f"could not stop {p.name}: {e}", file=sys.stderr)


atexit.register(stop_all)


# -- a test's sandbox and entry point -----------------------------------------

class Sandbox:
    """Context manager owning one temp dir and the processes started in it.
    On exit it stops them all; on failure it prints their log tails and keeps
    the dir, otherwise it deletes the dir (unless JOBSTACK_E2E_KEEP is set)."""

    def __init__(self, name):
        self.name = name
        self.dir = Path(tempfile.mkdtemp(prefix=f"jobstack-e2e-{name}-"))
        self.procs = []
        self._ids = 0

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        for p in reversed(self.procs):
            try:
                p.stop(timeout=10)
            except Exception as e:
                print(f"could not stop {p.name}: {e}", file=sys.stderr)
        if exc_type is None and not os.environ.get("JOBSTACK_E2E_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            print(f"\n===== log tails (all kept in {self.dir}) =====", file=sys.stderr)
            for p in self.procs:
                print(p.diagnostics(), file=sys.stderr)
        return False

    def _add(self, proc):
        self.procs.append(proc)
        return proc

    def redis(self, password=None, user=None):
        return self._add(TempRedis(self.dir, password, user)).start()

    def server(self, redis, grace_ms=2000, **kw):
        return self._add(Server(self.dir, redis, grace_ms, **kw)).start().wait_ready()

    def worker(self, server, concurrency=2, worker_id=None, **kw):
        self._ids += 1
        worker_id = worker_id or f"e2e-{chr(ord('a') + self._ids - 1)}-{os.getpid()}"
        return self._add(Worker(self.dir, server, worker_id, concurrency, **kw)).start().wait_ready()

    def postgres(self, **kw):
        return self._add(TempPostgres(self.dir, **kw)).start()

    def prometheus(self, targets, rule_files=()):
        return self._add(Prometheus(self.dir, targets, rule_files)).start()


def main(test, name):
    """Runs test() with a watchdog (JOBSTACK_E2E_TIMEOUT_S minus 10 s), prints
    PASS/FAIL and exits 0/1. The watchdog raises, so cleanup still runs."""
    budget = max(10, int(TIMEOUT_S - 10))

    def on_alarm(signum, frame):
        raise TestFailure(f"test exceeded its time budget ({budget}s)")

    def on_term(signum, frame):
        raise SystemExit(f"{name}: terminated by signal {signum}")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    signal.alarm(budget)
    log(f"{name}: binaries from {BIN_DIR}")
    started = time.monotonic()
    try:
        test()
        if _contract is not None and _contract.violations():
            # raised where nobody looked (a thread, a retry loop): still a failure
            raise TestFailure(f"{len(_contract.violations())} response(s) broke openapi.yaml; the first:\n"
                              + _contract.violations()[0])
    except TestFailure as e:
        print(f"FAIL {name}: {e}", file=sys.stderr)
        sys.exit(1)
    except Exception:
        traceback.print_exc()
        print(f"FAIL {name}: unexpected error (see traceback above)", file=sys.stderr)
        sys.exit(1)
    finally:
        signal.alarm(0)
        stop_all()
    log(f"PASS {name} ({time.monotonic() - started:.1f}s)")



# -- helpers for the API tests (test_api_*.py, test_bad_input.py) -------------

import re as _re  # noqa: E402
import urllib.parse as _urlparse  # noqa: E402

RFC3339_US = _re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
JOB_FIELDS = frozenset({"id", "queue", "type", "payload", "status", "attempts", "max_attempts", "timeout_ms",
                        "created_at", "updated_at", "run_at", "started_at", "finished_at", "result",
                        "last_error", "worker"})
STATS_FIELDS = ("queued", "scheduled", "running", "succeeded", "dead", "cancelled")


def error_problems(resp, want_status, want_code, want_field=None, want_index=None):
    """What is wrong with an error response (status, headers, body) against
    API.md's error shape; an empty list when nothing is."""
    status, headers, body = resp
    problems = []
    if status != want_status:
        problems.append(f"status {status}, want {want_status}")
    if not (headers.get("Content-Type") or "").startswith("application/json"):
        problems.append(f"Content-Type {headers.get('Content-Type')!r}, want application/json")
    err = body.get("error") if isinstance(body, dict) else None
    if not (isinstance(err, dict) and isinstance(err.get("code"), str) and isinstance(err.get("message"), str)
            and err["message"]):
        return problems + [f'body {str(body)[:300]!r} is not {{"error": {{"code": str, "message": str}}}}']
    if err["code"] != want_code:
        problems.append(f"code {err['code']!r}, want {want_code!r}")
    details = err.get("details") if isinstance(err.get("details"), dict) else {}
    if want_field is not None and details.get("field") != want_field:
        problems.append(f"details {err.get('details')!r}, want field {want_field!r}")
    if want_index is not None and details.get("index") != want_index:
        problems.append(f"details {err.get('details')!r}, want index {want_index!r}")
    return problems


def check_error(resp, want_status, want_code, want_field=None, want_index=None, what="request"):
    problems = error_problems(resp, want_status, want_code, want_field, want_index)
    check(not problems, f"{what}: " + "; ".join(problems) + f" (body {str(resp[2])[:300]})")
    return resp[2]["error"]


def query(path, **params):
    """path?k=v&... with the None values left out."""
    params = {k: v for k, v in params.items() if v is not None}
    return path + ("?" + _urlparse.urlencode(params) if params else "")


def queue_stats(server, name="default", client=None):
    """GET /v1/queues/{name}: the stats dict, or None on 404."""
    status, _, body = (client or server.client).request("GET", f"/v1/queues/{name}")
    if status == 404:
        return None
    check(status == 200, f"GET /v1/queues/{name} -> {status} {body}")
    return body


def list_jobs(server, limit=1000, max_pages=200, **params):
    """Every job of GET /v1/jobs with params (queue, status), following
    next_cursor; checks no id repeats. Returns the jobs in order."""
    jobs, seen, cursor = [], set(), None
    for _ in range(max_pages):
        path = query("/v1/jobs", limit=limit, cursor=cursor, **params)
        status, _, body = server.http("GET", path)
        check(status == 200, f"GET {path} -> {status} {body}")
        check(isinstance(body, dict) and isinstance(body.get("jobs"), list) and "next_cursor" in body,
              f"GET {path}: body is not {{jobs, next_cursor}}: {str(body)[:300]}")
        for job in body["jobs"]:
            check(job["id"] not in seen, f"GET {path}: job {job['id']} repeated while paging")
            seen.add(job["id"])
            jobs.append(job)
        cursor = body["next_cursor"]
        if cursor is None:
            return jobs
    raise TestFailure(f"listing {params} did not end after {max_pages} pages")


def wait_job(server, job_id, statuses, timeout, interval=0.1):
    """Polls GET /v1/jobs/{id} until its status is one of statuses; returns it."""
    statuses = (statuses,) if isinstance(statuses, str) else tuple(statuses)
    last = {}

    def poll():
        last["job"] = server.get_job(job_id)
        return last["job"] if last["job"]["status"] in statuses else None
    return wait_until(poll, timeout, interval,
                      lambda: f"job {job_id} to become {'/'.join(statuses)}; last seen {last.get('job')}")


# -- helpers for the fault and cron tests (test_fault_*.py, test_cron.py) -----

import threading as _threading  # noqa: E402


def start_redis(sb, appendfsync="everysec"):
    """sb.redis() with another appendfsync policy ("always": nothing
    acknowledged is lost even when redis-server is SIGKILLed)."""
    redis = TempRedis(sb.dir)
    redis.argv[redis.argv.index("--appendfsync") + 1] = appendfsync
    return sb._add(redis).start()


def log_count(proc, text):
    """How often text occurs in proc's stderr log, over all its runs."""
    try:
        return proc.err_path.read_bytes().count(text.encode())
    except OSError:
        return 0


def run_to_exit(binary, args=(), env=None, timeout=5):
    """Runs a binary of BIN_DIR to completion (at most timeout s) on free
    ports and an unused Redis port: (status, stdout, stderr)."""
    full_env = clean_env()
    full_env.update(CSC_HTTP_HOST="127.0.0.1", CSC_HTTP_PORT=str(free_port()),
                    CSC_BROKER_HOST="127.0.0.1", CSC_BROKER_PORT=str(free_port()),
                    CSC_METRICS_PORT=str(free_port()), REDIS_HOSTNAME="127.0.0.1", REDIS_PORT=str(free_port()))
    full_env.update(env or {})
    argv = [str(BIN_DIR / binary), *args]
    check((BIN_DIR / binary).exists(), f"{argv[0]} not found (build first?)")
    try:
        p = subprocess.run(argv, cwd=REPO_ROOT, env=full_env, stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=timeout, preexec_fn=_die_with_parent)
    except subprocess.TimeoutExpired as e:
        raise TestFailure(f"{binary} {' '.join(args)} (env {env or {}}) did not exit within {timeout} s; "
                          f"stderr: {(e.stderr or b'')[-500:]!r}") from None
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


class PostStream:
    """`threads` daemon threads, each on its own keep-alive Client, POST
    spec_fn(thread, n) to /v1/jobs in a loop (pause s between requests) until
    stop(). Every request is recorded in `records` as a dict: sent and
    answered (time.monotonic()), status (None when no answer), id (on 201),
    code (error code), retry_after, error (the exception, when no answer)."""

    def __init__(self, port, spec_fn, threads=3, pause=0.03, timeout=5):
        self.port, self.spec_fn, self.pause, self.timeout = port, spec_fn, pause, timeout
        self.records = []
        self._stop = _threading.Event()
        self._threads = [_threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)]

    def start(self):
        for t in self._threads:
            t.start()
        return self

    def _run(self, index):
        client = Client(self.port, timeout=self.timeout)
        try:
            for n in range(1_000_000):
                if self._stop.is_set():
                    return
                rec = {"thread": index, "n": n, "sent": time.monotonic(), "status": None, "id": None,
                       "code": None, "retry_after": None, "error": None, "content_type": None}
                try:
                    status, headers, body = client.request("POST", "/v1/jobs", self.spec_fn(index, n))
                    rec.update(status=status, retry_after=headers.get("Retry-After"),
                               content_type=headers.get("Content-Type"))
                    if status == 201 and isinstance(body, dict):
                        rec["id"] = body.get("id")
                    elif isinstance(body, dict) and isinstance(body.get("error"), dict):
                        rec["code"] = body["error"].get("code")
                except Exception as e:  # no answer (refused, reset, timed out) or a contract violation
                    rec["error"] = repr(e)
                rec["answered"] = time.monotonic()
                self.records.append(rec)
                self._stop.wait(self.pause)
        finally:
            client.close()

    def stop(self, timeout=None):
        self._stop.set()
        deadline = time.monotonic() + (timeout or self.timeout + 5)
        for t in self._threads:
            t.join(max(0.1, deadline - time.monotonic()))
        check(not any(t.is_alive() for t in self._threads), "a POST thread did not stop")
        return self.records

    def ids(self):
        """Ids of the jobs answered 201, in answer order."""
        return [r["id"] for r in sorted(self.records, key=lambda r: r["answered"]) if r["status"] == 201]

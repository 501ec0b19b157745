#!/usr/bin/env python3
"""tests/deploy/check_deploy.py [BIN_DIR]: checks the deployment files of
deploy/ without a container engine (ctest deploy.check; docs/DEPLOY.md).

- deploy/docker-compose.yml: the services and what each must have (Redis'
  AOF and noeviction, PostgreSQL's schema directory, a scalable worker, the
  healthchecks), no secret in it, every env name a setting of
  core/settings.hpp (and of the table in ../shared/OPERATIONS.md when that is
  there), every file it mounts or reads present. The `sh -c` start scripts
  of redis and db run here against a stub docker-entrypoint.sh: the
  arguments they hand over, the password kept off the command line.
- deploy/Dockerfile: its stages, the package lists taken from
  scripts/packages.sh (which scripts/lib.sh uses too), a non-root USER, the
  HEALTHCHECK, every COPY source present; with BIN_DIR, the --runtime list is
  exactly the packages of the libraries the built binaries link (ldd).
- deploy/prometheus/prometheus.compose.yml: the compose services as targets;
  `promtool check config`.
- deploy/systemd/: the required hardening and restart settings, and
  `systemd-analyze verify` (warnings count as failures) and
  `systemd-analyze security` (exposure at most 2.0) on copies whose
  ExecStart points at BIN_DIR.
- deploy/sql/*.sql: loaded twice into a throwaway PostgreSQL when its
  binaries are installed.

Exit status: 0 all passed, 1 something failed, 77 nothing failed but a part
could not run here (its reason printed as SKIP; ctest shows the test as
skipped, not passed)."""

import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
BIN_DIR = (Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "build" / "bin").resolve()
BINARIES = ("jobstack-server", "jobstack-worker", "jobstack-ctl")
# Packages every Debian image has; the runtime list need not name them.
BASE_PACKAGES = {"libc6", "libstdc++6", "libgcc-s1"}
SECRET_NAME = re.compile(r"(PASSWORD|PASSPHRASE|SECRET|TOKENS?)$")
# The seed's example password, and anything that looks like a real key.
SECRET_TEXT = re.compile(r"eYVX7EwVmmxKPCDmwMtyKVge8oLd2t81|(?=[A-Za-z0-9+/]*\d)(?=[A-Za-z0-9+/]*[a-z])"
                         r"[A-Za-z0-9+/]{32,}")
# Names the executables read that are not settings of core/settings.hpp.
EXTRA_ENV = {"APP_CONFIG_PATH", "APP_CONFIG_FILENAME", "ENV"}

failures, skips = [], []


def fail(message):
    failures.append(message)
    print(f"FAIL {message}")


def check(cond, message):
    if not cond:
        fail(message)
    return cond


def skip(part, why):
    skips.append(part)
    print(f"SKIP {part}: {why}")


def note(message):
    print(f"note: {message}")


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=kw.pop("timeout", 60), **kw)


# -- the names jobstack reads ----------------------------------------------------

def settings_env_names():
    """Every environment variable a setting of core/settings.hpp declares."""
    text = (REPO / "core" / "settings.hpp").read_text()
    names = set(re.findall(r'"((?:CSC|REDIS|DB|SWAGGER)_[A-Z0-9_]+)"', text))
    check(len(names) > 30, f"found only {len(names)} env names in core/settings.hpp; has its format changed?")
    return names | EXTRA_ENV


def operations_env_names():
    """The names of the settings table of ../shared/OPERATIONS.md, or None."""
    path = REPO.parent / "shared" / "OPERATIONS.md"
    if not path.exists():
        return None
    names = set()
    for line in path.read_text().splitlines():
        if line.startswith("| `"):
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1]))
    return names


def env_file_names(path):
    """KEY of every KEY=VALUE line, commented-out ones too (they are offers)."""
    names = {}
    for line in path.read_text().splitlines():
        m = re.match(r"^#?([A-Z][A-Z0-9_]*)=(.*)$", line.strip())
        if m:
            names[m.group(1)] = (m.group(2), line.strip().startswith("#"))
    return names


# -- docker-compose.yml ------------------------------------------------------------

def command_text(service):
    cmd = service.get("command", "")
    return " ".join(cmd) if isinstance(cmd, list) else str(cmd)


def mount_sources(service):
    for v in service.get("volumes", []):
        source = v.split(":")[0] if isinstance(v, str) else v.get("source", "")
        yield source


def check_compose(known_env, table_env):
    path = DEPLOY / "docker-compose.yml"
    text = path.read_text()
    doc = yaml.safe_load(text)
    services = doc.get("services", {})
    want = {"redis", "db", "server", "worker", "prometheus"}
    check(set(services) == want, f"compose services are {sorted(services)}, want {sorted(want)}")
    if not want <= set(services):
        return
    redis, db, server, worker, prom = (services[n] for n in ("redis", "db", "server", "worker", "prometheus"))

    # Redis: the seed's journaling, and never evict a job.
    cmd = command_text(redis)
    for flags in (["--appendonly", "yes"], ["--appendfsync", "everysec"], ["--maxmemory-policy", "noeviction"]):
        check(" ".join(flags) in " ".join(cmd.split()), f"redis: command lacks `{' '.join(flags)}`")
    check(any(s and not s.startswith((".", "/")) for s in mount_sources(redis)), "redis: /data on a named volume")
    check("6379" in " ".join(map(str, redis.get("ports", []))), "redis: port 6379 published (`up redis`)")

    # PostgreSQL: its schema from deploy/sql, data on a volume.
    check(str(db.get("image", "")).startswith("postgres:15"), "db: image postgres:15")
    check("./sql:/docker-entrypoint-initdb.d:ro" in db.get("volumes", []),
          "db: ./sql mounted read-only on /docker-entrypoint-initdb.d")
    check(db.get("environment", {}).get("POSTGRES_USER") == server.get("environment", {}).get("DB_USERNAME"),
          "db: POSTGRES_USER differs from the server's DB_USERNAME")
    check_wrappers(redis, db)

    # server and worker: the image of deploy/Dockerfile.
    for name, svc in (("server", server), ("worker", worker)):
        build = svc.get("build", {})
        check(build.get("context") == ".." and build.get("dockerfile") == "deploy/Dockerfile",
              f"{name}: not built from deploy/Dockerfile with the repository as context")
        check(svc.get("command") == [name], f"{name}: command should be [{name!r}]")
        check(svc.get("stop_grace_period"), f"{name}: no stop_grace_period for the graceful stop")
    senv, wenv = server.get("environment", {}), worker.get("environment", {})
    check(senv.get("REDIS_HOSTNAME") == "redis" and senv.get("DB_HOSTNAME") == "db",
          "server: REDIS_HOSTNAME/DB_HOSTNAME should name the redis and db services")
    check(any(str(p).endswith(":" + str(senv.get("CSC_HTTP_PORT"))) for p in server.get("ports", [])),
          "server: CSC_HTTP_PORT is not published")
    check("secrets.env" in server.get("env_file", []) if isinstance(server.get("env_file"), list)
          else server.get("env_file") == "secrets.env", "server: env_file secrets.env")
    check(wenv.get("CSC_BROKER_HOST") == "server" and wenv.get("CSC_BROKER_PORT") == senv.get("CSC_BROKER_PORT"),
          "worker: CSC_BROKER_HOST/PORT should be the server service's broker")
    # Scalable: nothing that two replicas could not share.
    for key in ("ports", "container_name", "hostname"):
        check(key not in worker, f"worker: `{key}` stops `--scale worker=N`")
    check("CSC_WORKER_ID" not in wenv, "worker: a fixed CSC_WORKER_ID would be shared by every replica")
    check(server.get("depends_on", {}).get("redis", {}).get("condition") == "service_healthy",
          "server: should wait for a healthy redis")

    # Healthchecks: in compose, or the image's HEALTHCHECK for server and worker.
    for name in ("redis", "db", "prometheus"):
        check("test" in services[name].get("healthcheck", {}), f"{name}: no healthcheck")

    # No secret in the file: secret settings come from secrets.env only.
    for name, svc in services.items():
        env = svc.get("environment", {})
        check(isinstance(env, dict), f"{name}: write environment as a map")
        for key in env:
            check(not SECRET_NAME.search(key), f"{name}: secret {key} in environment:, put it in secrets.env")
    for f in sorted(DEPLOY.rglob("*")):
        if f.is_file() and f.suffix != ".json" and f.name != "secrets.env":  # dashboard ids; the real secrets
            m = SECRET_TEXT.search(f.read_text())
            check(not m, f"{f.relative_to(REPO)} contains something that looks like a secret: {m and m.group(0)[:6]}...")

    # Env names: settings the binaries read (and the contract's table).
    for name, env in (("server", senv), ("worker", wenv)):
        for key in env:
            check(key in known_env, f"{name}: {key} is not a setting of core/settings.hpp")
            if table_env is not None:
                check(key in table_env, f"{name}: {key} is not in the settings table of OPERATIONS.md")

    # Every file it reads exists (secrets.env is not committed: its template is).
    for name, svc in services.items():
        env_files = svc.get("env_file", [])
        for f in [env_files] if isinstance(env_files, str) else env_files:
            check((DEPLOY / (f + ".example")).exists(), f"{name}: env_file {f} has no {f}.example")
        for source in mount_sources(svc):
            if source.startswith("."):
                check((DEPLOY / source).exists(), f"{name}: mounts {source}, which does not exist")
    check((DEPLOY / "prometheus/prometheus.compose.yml").name in " ".join(mount_sources(prom)),
          "prometheus: does not mount prometheus.compose.yml")
    check_prometheus(senv.get("CSC_HTTP_PORT"), wenv.get("CSC_METRICS_PORT"))

    if shutil.which("docker") and run(["docker", "compose", "version"]).returncode == 0:
        with tempfile.TemporaryDirectory() as tmp:  # a copy, with a secrets.env from the template
            shutil.copytree(DEPLOY, Path(tmp) / "deploy")
            shutil.copy(DEPLOY / "secrets.env.example", Path(tmp) / "deploy/secrets.env")
            r = run(["docker", "compose", "-f", f"{tmp}/deploy/docker-compose.yml", "config", "-q"])
            check(r.returncode == 0, f"docker compose config: {r.stderr.strip()}")
    else:
        note("`docker compose` is not installed: the compose file was checked by the rules above only")


def compose_unescape(text, service, what):
    """The text compose hands the container: `$$` becomes `$`. A single `$`
    would be filled in by compose from the host's environment, which inside
    these scripts is always a mistake."""
    check("$" not in text.replace("$$", ""), f"{service}: single $ in {what} (compose would interpolate it)")
    return text.replace("$$", "$")


def run_wrapper(service, svc, env, tmp):
    """Runs a service's `sh -c` wrapper with a stub docker-entrypoint.sh that
    prints its arguments and POSTGRES_PASSWORD; /data/ is a temp dir."""
    check(svc.get("entrypoint") == ["/bin/sh", "-c"] and len(svc.get("command", [])) == 1,
          f"{service}: expected entrypoint [/bin/sh, -c] and one command script")
    script = compose_unescape(svc["command"][0], service, "command").replace("/data/", f"{tmp}/")
    stub = Path(tmp) / "docker-entrypoint.sh"
    stub.write_text('#!/bin/sh\necho "POSTGRES_PASSWORD=${POSTGRES_PASSWORD:-}"\nprintf \'%s\\n\' "$@"\n')
    stub.chmod(0o755)
    r = run(["sh", "-c", script], env={"PATH": f"{tmp}:/usr/bin:/bin", **env})
    check(r.returncode == 0, f"{service}: its command script failed: {r.stderr}")
    return r.stdout.splitlines()


def check_wrappers(redis, db):
    for name, svc in (("redis", redis), ("db", db)):
        test = svc.get("healthcheck", {}).get("test", [])
        compose_unescape(" ".join(test), name, "healthcheck")
    with tempfile.TemporaryDirectory() as tmp:
        for password in ("s3cret", ""):
            args = run_wrapper("redis", redis, {"REDIS_PASSWORD": password, "REDIS_MAXMEMORY": "1gb"}, tmp)
            want = ["redis-server", "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
                    "--maxmemory", "1gb", "--maxmemory-policy", "noeviction", "--include", f"{tmp}/.requirepass.conf"]
            check(args[1:] == want, f"redis: the server would get {args[1:]}, want {want}")
            conf = Path(tmp) / ".requirepass.conf"
            content = conf.read_text() if conf.exists() else None
            check(content == (f'requirepass "{password}"\n' if password else ""),
                  f"redis: include file for password {password!r} holds {content!r}")
            check(conf.exists() and conf.stat().st_mode & 0o077 == 0, "redis: the include file is readable by others")
            check(password == "" or all(password not in a for a in args[1:]),
                  "redis: the password is on the command line")
        args = run_wrapper("db", db, {"DB_PASSWORD": "pw"}, tmp)
        check(args == ["POSTGRES_PASSWORD=pw", "postgres"], f"db: the entrypoint would get {args}")


def check_secrets_files(known_env):
    example = DEPLOY / "secrets.env.example"
    names = env_file_names(example)
    for key, (value, _) in names.items():
        check(key in known_env, f"secrets.env.example: {key} is not a setting")
        check(not SECRET_NAME.search(key) or value == "", f"secrets.env.example: {key} has a value")
    for key in ("REDIS_PASSWORD", "DB_PASSWORD"):
        check(key in names, f"secrets.env.example lacks {key}")
    r = run(["git", "-C", str(REPO), "check-ignore", "-q", "deploy/secrets.env"])
    check(r.returncode == 0, "deploy/secrets.env is not ignored by git")
    r = run(["git", "-C", str(REPO), "ls-files", "deploy/secrets.env", "deploy/*.env"])
    check(r.stdout.strip() == "", f"secrets committed: {r.stdout.split()}")
    dockerignore = (REPO / ".dockerignore").read_text().split()
    for pattern in ("deploy/secrets.env", ".git", "build*/", "node_modules/"):
        check(pattern in dockerignore, f".dockerignore lacks {pattern}")


def check_prometheus(http_port, metrics_port):
    path = DEPLOY / "prometheus" / "prometheus.compose.yml"
    doc = yaml.safe_load(path.read_text())
    jobs = {j["job_name"]: j for j in doc.get("scrape_configs", [])}
    check(set(jobs) == {"jobstack-server", "jobstack-worker"},
          "prometheus.compose.yml: the jobs must be jobstack-server and jobstack-worker (alerts.yml uses them)")
    check("alerts.yml" in doc.get("rule_files", []), "prometheus.compose.yml: rule_files lacks alerts.yml")
    server_targets = [t for sc in jobs.get("jobstack-server", {}).get("static_configs", []) for t in sc["targets"]]
    check(server_targets == [f"server:{http_port}"], f"prometheus: server target {server_targets}")
    dns = jobs.get("jobstack-worker", {}).get("dns_sd_configs", [])
    check(len(dns) == 1 and dns[0].get("names") in (["worker"], ["tasks.worker"])
          and str(dns[0].get("port")) == str(metrics_port),
          "prometheus: workers should be found by DNS (worker) on CSC_METRICS_PORT")
    if shutil.which("promtool"):
        r = run(["promtool", "check", "config", str(path)])
        check(r.returncode == 0, f"promtool check config prometheus.compose.yml: {r.stdout}{r.stderr}")
    else:
        skip("promtool", "promtool not found (Debian's prometheus package)")


# -- Dockerfile -------------------------------------------------------------------------

def dockerfile_stages(path):
    """[(from_line, alias, [(INSTRUCTION, args)])], line continuations joined."""
    lines, current = [], ""
    for raw in path.read_text().splitlines():
        if raw.strip().startswith("#") and not current:
            continue
        if raw.rstrip().endswith("\\"):
            current += raw.rstrip()[:-1] + " "
            continue
        current += raw
        if current.strip():
            lines.append(current.strip())
        current = ""
    stages = []
    for line in lines:
        word, _, args = line.partition(" ")
        word = word.upper()
        if word == "FROM":
            m = re.match(r"(\S+)(?:\s+AS\s+(\S+))?", args, re.I)
            stages.append((m.group(1), m.group(2), []))
        elif stages:
            stages[-1][2].append((word, args.strip()))
    return stages


def packages_list(flag):
    r = run(["bash", str(REPO / "scripts/packages.sh"), flag])
    check(r.returncode == 0, f"scripts/packages.sh {flag}: {r.stderr}")
    return r.stdout.split()


def check_dockerfile():
    stages = dockerfile_stages(DEPLOY / "Dockerfile")
    by_alias = {alias: (image, body) for image, alias, body in stages}
    check([(i, a) for i, a, _ in stages] == [("debian:bookworm", "build"), ("debian:bookworm", "assets"),
                                             ("debian:bookworm-slim", "runtime")],
          f"Dockerfile stages are {[(i, a) for i, a, _ in stages]}")
    if len(stages) != 3:
        return
    build, final = by_alias["build"][1], stages[-1][2]

    def runs(body):
        return " ".join(a for w, a in body if w == "RUN")

    check("$(bash scripts/packages.sh --build)" in runs(build), "build stage: install scripts/packages.sh --build")
    check(re.search(r"cmake -S \. -B build .*-DCMAKE_BUILD_TYPE=Release .*-DJOBSTACK_TESTS=OFF", runs(build)),
          "build stage: cmake Release with -DJOBSTACK_TESTS=OFF")
    check("npm ci --omit=dev --ignore-scripts" in runs(by_alias["assets"][1]), "assets stage: npm ci --omit=dev")
    installed = re.search(r"apt-get install [^&]*", runs(final))
    check(installed and installed.group(0).split()[-2:] == ["--runtime)", "curl"],
          "runtime stage: install exactly scripts/packages.sh --runtime and curl")
    users = [a for w, a in final if w == "USER"]
    check(users and users[-1].split(":")[0] not in ("root", "0"), f"runtime stage: USER {users} is not non-root")
    health = [a for w, a in final if w == "HEALTHCHECK"]
    check(len(health) == 1 and "jobstack-healthcheck" in health[0], "runtime stage: HEALTHCHECK jobstack-healthcheck")
    script = (DEPLOY / "healthcheck.sh").read_text()
    check("/healthz" in script and "CSC_HTTP_PORT" in script and "CSC_METRICS_PORT" in script,
          "healthcheck.sh: should ask /healthz on CSC_HTTP_PORT, then CSC_METRICS_PORT")
    entry = (DEPLOY / "docker-entrypoint.sh").read_text()
    for program in BINARIES:
        check(f"exec /usr/local/bin/{program}" in entry, f"docker-entrypoint.sh does not start {program}")
    copies = [a for _, _, body in stages for w, a in body if w == "COPY" and not a.startswith("--from")]
    for args in copies:
        for source in shlex.split(args)[:-1]:
            check((REPO / source).exists(), f"Dockerfile copies {source}, which does not exist")
    for needed in ("config/caf-application.conf", "openapi.yaml", "node_modules/swagger-ui-dist"):
        check(any(needed in a for w, a in final if w == "COPY"), f"runtime stage: does not copy {needed}")

    # The lists of scripts/packages.sh: lib.sh installs build + test on a machine.
    r = run(["bash", "-c", 'source scripts/lib.sh && printf "%s\\n" "${JOBSTACK_PACKAGES[@]}"'], cwd=REPO)
    check(sorted(r.stdout.split()) == sorted(packages_list("--build") + packages_list("--test")),
          "scripts/lib.sh's JOBSTACK_PACKAGES is not packages.sh --build plus --test")
    check_runtime_libraries(set(packages_list("--runtime")))
    for script in ("deploy/docker-entrypoint.sh", "deploy/healthcheck.sh", "scripts/packages.sh"):
        r = run(["sh" if script.startswith("deploy") else "bash", "-n", str(REPO / script)])
        check(r.returncode == 0, f"{script}: syntax error: {r.stderr}")
    if shutil.which("shellcheck"):
        r = run(["shellcheck", "deploy/docker-entrypoint.sh", "deploy/healthcheck.sh", "scripts/packages.sh"],
                cwd=REPO)
        check(r.returncode == 0, f"shellcheck:\n{r.stdout}")


def check_runtime_libraries(listed):
    """packages.sh --runtime == the packages of what the binaries link."""
    if not all((BIN_DIR / b).exists() for b in BINARIES):
        skip("runtime libraries", f"no built binaries in {BIN_DIR} to ldd")
        return
    needed = set()
    for b in BINARIES:
        for line in run(["ldd", str(BIN_DIR / b)]).stdout.splitlines():
            m = re.search(r"=> (/\S+)", line)
            if not m:
                continue
            owner = run(["dpkg", "-S", os.path.realpath(m.group(1))])
            if owner.returncode != 0:  # merged /usr: try the other spelling
                owner = run(["dpkg", "-S", m.group(1)])
            if owner.returncode != 0:
                fail(f"{b} links {m.group(1)}, which no Debian package owns")
                continue
            needed.add(owner.stdout.split(":")[0])
    needed -= BASE_PACKAGES
    # The sanitizer lane's binaries also link the sanitizer runtimes, which
    # a release image never ships.
    needed = {p for p in needed if not re.match(r"lib(a|ub|l|t)san\d+$", p)}
    check(needed == listed, f"packages.sh --runtime should be {sorted(needed)}: "
          f"missing {sorted(needed - listed)}, not needed {sorted(listed - needed)}")


# -- systemd ---------------------------------------------------------------------------------

def unit_settings(path):
    """{(section, key): [values]} of a unit file."""
    out, section = {}, None
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        out.setdefault((section, key.strip()), []).append(value.strip())
    return out


HARDENING = {"DynamicUser": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "NoNewPrivileges": "yes",
             "PrivateTmp": "yes", "EnvironmentFile": "-/etc/jobstack/%N.env"}


def check_systemd(known_env):
    sysd = DEPLOY / "systemd"
    units = {
        "jobstack-server.service": {"ExecStart": "/usr/local/bin/jobstack-server", "Restart": "on-failure"},
        "jobstack-worker.service": {"ExecStart": "/usr/local/bin/jobstack-worker", "Restart": "on-failure"},
        "jobstack-worker-once.service": {"ExecStart": "/usr/local/bin/jobstack-worker --once", "Type": "oneshot"},
    }
    for name, want in units.items():
        got = unit_settings(sysd / name)
        for key, value in {**HARDENING, **want}.items():
            check(got.get(("Service", key), [None])[-1] == value,
                  f"{name}: [Service] {key}={got.get(('Service', key))}, want {value}")
        for env in got.get(("Service", "Environment"), []):
            key = env.split("=")[0]
            check(key in known_env, f"{name}: Environment={env}: not a setting")
    check(unit_settings(sysd / "jobstack-worker-once.service").get(("Service", "Environment"), []).count(
        "CSC_METRICS_PORT=0") == 1, "jobstack-worker-once.service: should set CSC_METRICS_PORT=0")
    timer = unit_settings(sysd / "jobstack-worker.timer")
    check(timer.get(("Timer", "Unit")) == ["jobstack-worker-once.service"],
          "jobstack-worker.timer: Unit=jobstack-worker-once.service")
    check(timer.get(("Timer", "OnCalendar")), "jobstack-worker.timer: no OnCalendar=")
    check(timer.get(("Install", "WantedBy")) == ["timers.target"], "jobstack-worker.timer: WantedBy=timers.target")
    for example in sorted(sysd.glob("*.env.example")):
        for key, (value, _) in env_file_names(example).items():
            check(key in known_env, f"{example.name}: {key} is not a setting")
            check(not SECRET_NAME.search(key) or value == "", f"{example.name}: {key} has a value")

    analyze = shutil.which("systemd-analyze")
    if not analyze:
        skip("systemd-analyze", "systemd-analyze not found (Debian's systemd package)")
        return
    if not all((BIN_DIR / b).exists() for b in BINARIES):
        skip("systemd-analyze", f"verify needs the ExecStart binaries; none built in {BIN_DIR}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for src in sorted(glob.glob(str(sysd / "*.service")) + glob.glob(str(sysd / "*.timer"))):
            dst = Path(tmp) / Path(src).name
            dst.write_text(Path(src).read_text().replace("/usr/local/bin/", f"{BIN_DIR}/"))
            files.append(str(dst))
        r = run([analyze, "verify", *files], cwd=tmp)
        if r.returncode != 0 and "Failed to" in r.stderr and "manager" in r.stderr.lower():
            skip("systemd-analyze verify", f"cannot run in this container: {r.stderr.strip()}")
            return
        check(r.returncode == 0 and not (r.stdout + r.stderr).strip(),
              f"systemd-analyze verify (status {r.returncode}):\n{r.stdout}{r.stderr}")
        for f in files:
            if f.endswith(".service"):
                r = run([analyze, "security", "--offline=yes", "--threshold=20", "--no-pager", f], cwd=tmp)
                level = re.search(r"Overall exposure level for \S+: ([\d.]+)", r.stdout)
                check(r.returncode == 0, f"systemd-analyze security {Path(f).name}: exposure "
                      f"{level.group(1) if level else '?'} above 2.0, or it failed: {r.stderr.strip()}")
                if level:
                    print(f"ok: {Path(f).name}: exposure {level.group(1)}")


# -- SQL -------------------------------------------------------------------------------------

def check_sql():
    files = sorted((DEPLOY / "sql").glob("*.sql"))
    check([f.name for f in files][:1] == ["001_job_history.sql"], "deploy/sql/ should start with 001_job_history.sql")
    if not files:
        return
    text = files[0].read_text()
    check(re.search(r"CREATE TABLE IF NOT EXISTS job_history", text), "001: no job_history table")
    check(re.search(r"ON job_history \(queue, status, finished_at", text), "001: no index on (queue, status, finished_at)")
    bindir = next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)), None)
    if not bindir:
        skip("sql", "PostgreSQL is not installed: the schema was not loaded")
        return
    with tempfile.TemporaryDirectory() as tmp:
        as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if as_user:
            shutil.chown(tmp, "postgres")
        data, sock = f"{tmp}/data", tmp
        r = run([*as_user, f"{bindir}/initdb", "-D", data, "-U", "cscjapi", "--auth=trust", "-E", "UTF8"],
                timeout=120)
        if not check(r.returncode == 0, f"initdb: {r.stderr}"):
            return
        r = run([*as_user, f"{bindir}/pg_ctl", "-D", data, "-w", "-t", "60", "-l", f"{tmp}/pg.log",
                 "-o", f"-c listen_addresses='' -k {sock}", "start"], timeout=90)
        if not check(r.returncode == 0, f"pg_ctl start: {r.stderr}"):
            return
        try:
            psql = [*as_user, f"{bindir}/psql", "-h", sock, "-U", "cscjapi", "-v", "ON_ERROR_STOP=1", "-X", "-q"]
            run([*psql, "-d", "postgres", "-c", "CREATE DATABASE cscjapi"])
            for f in files * 2:  # twice: a migration runs again without harm
                r = run([*psql, "-d", "cscjapi"], input=f.read_text())
                check(r.returncode == 0, f"{f.name} in PostgreSQL: {r.stderr.strip()}")
            r = run([*psql, "-d", "cscjapi", "-At", "-c",
                     "SELECT count(*) FROM schema_migrations; SELECT indexdef FROM pg_indexes "
                     "WHERE tablename = 'job_history' ORDER BY indexname"])
            check(r.stdout.startswith(f"{len(files)}\n") and "(queue, status, finished_at DESC, id DESC)" in r.stdout,
                  f"schema after loading: {r.stdout}{r.stderr}")
            print(f"ok: {len(files)} SQL file(s) load twice into PostgreSQL ({bindir})")
        finally:
            run([*as_user, f"{bindir}/pg_ctl", "-D", data, "-m", "fast", "-w", "stop"])


def main():
    known_env, table_env = settings_env_names(), operations_env_names()
    if table_env is None:
        note("../shared/OPERATIONS.md not found: env names checked against core/settings.hpp only")
    check_compose(known_env, table_env)
    check_secrets_files(known_env)
    check_dockerfile()
    check_systemd(known_env)
    check_sql()
    if failures:
        print(f"FAIL deploy.check: {len(failures)} problem(s)")
        return 1
    if skips:
        print(f"SKIPPED deploy.check: everything else passed, but not run here: {', '.join(skips)}")
        return 77
    print("PASS deploy.check")
    return 0


if __name__ == "__main__":
    sys.exit(main())

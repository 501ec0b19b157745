#!/usr/bin/env python3
"""Start-up settings: --help exits 0 and names a setting; a bad setting or an
unknown flag stops the process within 5 s with a non-zero status and exactly
one clear line on stderr (no crash, no stack trace, no silent default).
The application config file (APP_CONFIG_PATH, a temp dir here): a malformed
one or an unknown key stops a node with exit 2 and one line naming the file;
--print-config shows values and sources, masks secrets, exits 0, and shows
that the environment beats the file."""

import re
import subprocess
import tempfile
from pathlib import Path

import harness as h

CRASH_SIGNS = ("terminate called", "Aborted", "Segmentation", "AddressSanitizer", "runtime error:",
               "Traceback", "core dumped", "#0 ", "#1 ")


def run(binary, args=(), env=None):
    """Runs a binary to completion (5 s at most): (status, stdout, stderr)."""
    full_env = h.clean_env()
    # Free ports and an unused Redis, so that a binary which wrongly starts
    # anyway disturbs nothing (and is killed after 5 s).
    full_env.update(CSC_HTTP_HOST="127.0.0.1", CSC_HTTP_PORT=str(h.free_port()),
                    CSC_BROKER_PORT=str(h.free_port()), CSC_METRICS_PORT=str(h.free_port()),
                    REDIS_HOSTNAME="127.0.0.1", REDIS_PORT=str(h.free_port()))
    full_env.update(env or {})
    argv = [str(h.BIN_DIR / binary), *args]
    h.check((h.BIN_DIR / binary).exists(), f"{argv[0]} not found (build first?)")
    try:
        p = subprocess.run(argv, cwd=h.REPO_ROOT, env=full_env, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=5)
    except subprocess.TimeoutExpired as e:
        raise h.TestFailure(f"{binary} {' '.join(args)} (env {env or {}}) did not exit within 5 s; "
                            f"stderr: {(e.stderr or b'')[-500:]!r}") from None
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def check_help(binary, setting_pattern):
    rc, out, err = run(binary, ["--help"])
    text = out + err
    h.check(rc == 0, f"{binary} --help exited {rc}; output: {text[-500:]!r}")
    h.check(re.search(setting_pattern, text, re.I),
            f"{binary} --help does not mention a setting matching /{setting_pattern}/: {text[:500]!r}")
    h.check("--print-config" in text, f"{binary} --help does not mention --print-config: {text[:500]!r}")


def check_rejected(binary, args=(), env=None):
    """Checks the start is refused with one clean stderr line; returns
    (status, that line)."""
    what = " ".join([*(f"{k}={v}" for k, v in (env or {}).items()), binary, *args])
    rc, _, err = run(binary, args, env)
    h.check(rc > 0, f"{what}: want a non-zero exit status (not a signal), got {rc}; stderr: {err[-500:]!r}")
    lines = err.rstrip("\n").split("\n")
    h.check(len(lines) == 1 and lines[0].strip(),
            f"{what}: want exactly one non-empty line on stderr, got {len(lines)}: {err[-800:]!r}")
    h.check(not any(s in err for s in CRASH_SIGNS), f"{what}: stderr looks like a crash: {err!r}")
    h.log(f"ok: {what} -> {rc}: {lines[0]}")
    return rc, lines[0]


def config_dir(tmp, name, text):
    """A fresh APP_CONFIG_PATH directory under tmp holding local.yaml."""
    d = Path(tmp) / name
    d.mkdir()
    (d / "local.yaml").write_text(text)
    return str(d)


def check_bad_file(tmp):
    """A malformed file and an unknown key: exit 2, one line naming the file
    (and line), for both node executables."""
    malformed = config_dir(tmp, "malformed", "redis:\n  port: 6379\n    hostname: x\n")
    typo = config_dir(tmp, "typo", "redis:\n  prot: 6380\n")
    for binary in ("jobstack-server", "jobstack-worker"):
        rc, line = check_rejected(binary, env={"APP_CONFIG_PATH": malformed})
        h.check(rc == 2, f"{binary} with a malformed file: want exit 2, got {rc}")
        h.check(f"{malformed}/local.yaml:3: malformed YAML" in line,
                f"{binary}: the line does not name the file and line 3: {line!r}")
        rc, line = check_rejected(binary, env={"APP_CONFIG_PATH": typo})
        h.check(rc == 2, f"{binary} with an unknown key: want exit 2, got {rc}")
        h.check(f"{typo}/local.yaml:2: unknown key 'redis.prot' (did you mean 'redis.port'?)" in line,
                f"{binary}: no did-you-mean for redis.prot: {line!r}")


def print_config(binary, env):
    """Runs BINARY --print-config; returns {key: (value, source)}."""
    rc, out, err = run(binary, ["--print-config"], env)
    h.check(rc == 0, f"{binary} --print-config exited {rc}; stderr: {err[-500:]!r}")
    rows = {}
    for line in out.splitlines():
        m = re.fullmatch(r"(\S+) +=\s(.*?)  # (.+)", line)
        if m:
            rows[m.group(1)] = (m.group(2), m.group(3))
    h.check("http.port" in rows and "redis.password" in rows,
            f"{binary} --print-config shows no settings table: {out[:800]!r}")
    return rows, out + err


def check_print_config(tmp):
    """Secrets masked, sources shown, env beats the file, nothing started."""
    secret = "e2e-s3cret-pw"
    app_dir = config_dir(tmp, "layers", "REDIS_PORT: 6390\nswagger:\n  filename: from-file.yaml\n")
    for binary in ("jobstack-server", "jobstack-worker"):
        rows, text = print_config(binary, {"REDIS_PASSWORD": secret, "APP_CONFIG_PATH": app_dir,
                                           "REDIS_PORT": "6391"})
        h.check(secret not in text, f"{binary} --print-config shows the Redis password: {text!r}")
        h.check(rows["redis.password"] == ("***", "env REDIS_PASSWORD"),
                f"{binary}: redis.password row is {rows['redis.password']}")
        h.check(rows["redis.port"] == ("6391", "env REDIS_PORT"),
                f"{binary}: env REDIS_PORT should beat the file's 6390: {rows['redis.port']}")
        h.check(rows["swagger.filename"] == ("from-file.yaml", f"{app_dir}/local.yaml:3"),
                f"{binary}: swagger.filename should come from the file: {rows['swagger.filename']}")
        h.check(rows["broker.host"] == ("127.0.0.1", "default"),
                f"{binary}: broker.host should be the default: {rows['broker.host']}")
        h.log(f"ok: {binary} --print-config: masked, env over file, sources shown")


def test():
    check_help("jobstack-server", r"http[._-]port")
    check_help("jobstack-worker", r"concurrency")
    for value in ("abc", "70000"):
        check_rejected("jobstack-server", env={"CSC_HTTP_PORT": value})
    for value in ("0", "x"):
        check_rejected("jobstack-worker", env={"CSC_WORKER_CONCURRENCY": value})
    for binary in ("jobstack-server", "jobstack-worker"):
        check_rejected(binary, env={"CSC_BROKER_PORT": "99999"})
        check_rejected(binary, ["--bogus=1"])
        # Node TLS: all three files or none, and they must be readable.
        check_rejected(binary, env={"CSC_NODE_TLS_CERT": "/etc/hostname"})
        check_rejected(binary, env={"CSC_NODE_TLS_CERT": "/nonexistent.pem", "CSC_NODE_TLS_KEY": "/etc/hostname",
                                    "CSC_NODE_TLS_CA": "/etc/hostname"})
    # HTTPS: certificate and key together, a known minimum version.
    check_rejected("jobstack-server", env={"CSC_HTTP_TLS_CERT": "/etc/hostname"})
    check_rejected("jobstack-server", env={"CSC_HTTP_TLS_MIN_VERSION": "1.1"})
    check_rejected("jobstack-server", env={"CSC_HTTP_MAX_CONNECTIONS": "0"})
    with tempfile.TemporaryDirectory(prefix="jobstack-e2e-config-") as tmp:
        check_bad_file(tmp)
        check_print_config(tmp)


if __name__ == "__main__":
    h.main(test, "bad_settings")

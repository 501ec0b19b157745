#!/usr/bin/env python3
"""Start-up settings: --help exits 0 and names a setting; a bad setting or an
unknown flag stops the process within 5 s with a non-zero status and exactly
one clear line on stderr (no crash, no stack trace, no silent default)."""

import re
import subprocess

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


def check_rejected(binary, args=(), env=None):
    what = " ".join([*(f"{k}={v}" for k, v in (env or {}).items()), binary, *args])
    rc, _, err = run(binary, args, env)
    h.check(rc > 0, f"{what}: want a non-zero exit status (not a signal), got {rc}; stderr: {err[-500:]!r}")
    lines = err.rstrip("\n").split("\n")
    h.check(len(lines) == 1 and lines[0].strip(),
            f"{what}: want exactly one non-empty line on stderr, got {len(lines)}: {err[-800:]!r}")
    h.check(not any(s in err for s in CRASH_SIGNS), f"{what}: stderr looks like a crash: {err!r}")
    h.log(f"ok: {what} -> {rc}: {lines[0]}")


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


if __name__ == "__main__":
    h.main(test, "bad_settings")

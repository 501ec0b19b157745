#!/usr/bin/env python3
"""e2e.auth_suite: the API end-to-end tests once more, against servers with
authorization on. JOBSTACK_E2E_AUTH=1 makes harness.py start every server
with one admin token and every client send it (issue 6: "a run with auth on
passes the end-to-end tests with a token"). Each script runs as its own
process, one after the other, with its own time budget; all of them run even
after a failure, and the summary names the ones that failed."""

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# script -> seconds it may take (its own watchdog fires 10 s earlier). Not
# here: tests of processes and faults rather than of the API, whose requests
# would only gain a header.
SCRIPTS = {
    "test_http_errors.py": 60,
    "test_api_jobs.py": 120,
    "test_api_list.py": 90,
    "test_api_cancel_retry.py": 150,
    "test_api_idempotency.py": 90,
    "test_api_queues_workers.py": 150,
    "test_bad_input.py": 120,
    "test_openapi_contract.py": 120,
    "test_echo_1000.py": 180,
}


def run(script, budget):
    env = dict(os.environ, JOBSTACK_E2E_AUTH="1", JOBSTACK_E2E_TIMEOUT_S=str(budget))
    started = time.monotonic()
    try:
        p = subprocess.run([sys.executable, str(HERE / script)], env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=budget + 15)
        output, ok = p.stdout.decode(errors="replace"), p.returncode == 0
    except subprocess.TimeoutExpired as e:
        output, ok = (e.stdout or b"").decode(errors="replace") + f"\n{script}: killed after {budget + 15}s", False
    took = time.monotonic() - started
    print(f"[auth_suite] {'PASS' if ok else 'FAIL'} {script} ({took:.1f}s)", flush=True)
    if not ok:
        print(output[-6000:], flush=True)
    return ok


def main():
    names = sys.argv[1:] or list(SCRIPTS)
    unknown = [n for n in names if n not in SCRIPTS]
    if unknown:
        sys.exit(f"unknown scripts {unknown}; known: {', '.join(SCRIPTS)}")
    failed = [n for n in names if not run(n, SCRIPTS[n])]
    if failed:
        print(f"FAIL auth_suite: {len(failed)} of {len(names)} failed with auth on: {', '.join(failed)}")
        sys.exit(1)
    print(f"PASS auth_suite: all {len(names)} API tests pass with auth on and a token")


if __name__ == "__main__":
    main()

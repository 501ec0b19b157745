#!/usr/bin/env bash
# scripts/bench.sh: the benchmark suite of bench/ (issue 7): jobstack side by
# side with BullMQ on one Redis. As root on a fresh Debian 12 machine it
# installs what it needs: wrk and redis-tools (Debian), the BullMQ pinned in
# bench/package-lock.json (into bench/node_modules), and builds build/
# (Release, no e2e tests) when build/bin lacks the binaries. Then it runs
# bench/run.py, which prints the table and writes bench/results/.
#   scripts/bench.sh            # the full suite, under 10 minutes on 2 cores
#   scripts/bench.sh --smoke    # the few-second smoke run (no wrk, no node)
# Settings: the BENCH_* variables of bench/run.py (see bench/README.md),
# e.g. BENCH_SECONDS=5 BENCH_MEMORY_JOBS=300000 scripts/bench.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

# Debian packages the benchmark itself uses (jobstack's own build packages are
# JOBSTACK_PACKAGES; they are checked only when a build is needed).
ensure_bench_packages() {
  local JOBSTACK_PACKAGES=(wrk redis-server redis-tools python3)
  ensure_packages
}

# Builds build/ when a binary is missing (scripts/test.sh's build/ works too).
ensure_binaries() {
  local bin=${JOBSTACK_BIN_DIR:-build/bin}
  [ -x "$bin/jobstack-server" ] && [ -x "$bin/jobstack-worker" ] && return 0
  [ -n "${JOBSTACK_BIN_DIR:-}" ] && die "JOBSTACK_BIN_DIR=$bin has no jobstack-server and jobstack-worker"
  ensure_packages
  build_tree build Release -DJOBSTACK_E2E=OFF
}

if [ "${1:-}" = --smoke ]; then
  ensure_binaries
  exec python3 bench/run.py --smoke
fi
[ $# -eq 0 ] || die "usage: scripts/bench.sh [--smoke]"

ensure_bench_packages
ensure_binaries
# The BullMQ baseline: bench/package-lock.json into bench/node_modules (npm ci,
# no install scripts), as ensure_node_modules does for the repository root.
(cd bench && ensure_node_modules)
exec python3 bench/run.py

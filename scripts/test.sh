#!/usr/bin/env bash
# scripts/test.sh: build and run every test suite, in two lanes: build/
# (RelWithDebInfo: unit, integration, e2e) then build-asan/ (Debug with
# ASan+UBSan: unit, integration). Stops at the first failing lane. The last line
# printed is ctest's summary of the last lane run. JOBSTACK_SKIP_ASAN=1 skips it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

# "no tests" is a failure (the variable needs ctest >= 3.26; Debian 12 has 3.25,
# hence also --no-tests=error below).
export CTEST_NO_TESTS_ACTION=error

# run_ctest DIR: runs the suites of DIR serially (the e2e tests start processes
# and measure timings), keeps the output in DIR/ctest.log, returns ctest's status.
run_ctest() {
  local dir=$1 rc=0
  log "running the tests of $dir"
  ctest --test-dir "$dir" --output-on-failure --no-tests=error -j1 2>&1 | tee "$dir/ctest.log" || rc=$?
  return "$rc"
}

# finish DIR STATUS: repeats ctest's summary line of DIR last, then exits.
finish() {
  local summary
  summary=$(grep -E '^[0-9]+% tests passed' "$1/ctest.log" | tail -n 1 || true)
  [ "$2" -eq 0 ] || log "FAILED: tests of $1 (full output in $1/ctest.log)"
  printf '%s\n' "${summary:-ctest printed no summary for $1 (status $2)}"
  exit "$2"
}

# check_format: every C++ file as the repo's .clang-format wants it.
check_format() {
  command -v clang-format >/dev/null || { log "clang-format missing: skipping the format check"; return 0; }
  local files
  mapfile -t files < <(git ls-files '*.cpp' '*.hpp' 2>/dev/null || find actors core http messages nodes store tests -name '*.[ch]pp')
  [ ${#files[@]} -eq 0 ] && return 0
  clang-format --dry-run --Werror "${files[@]}" \
    || die "clang-format would change the files above: run clang-format -i on them"
}

ensure_packages
ensure_node_modules
check_format

build_tree build RelWithDebInfo -DJOBSTACK_WERROR=ON -DJOBSTACK_E2E=ON
rc=0
run_ctest build || rc=$?
if [ "$rc" -ne 0 ] || [ "${JOBSTACK_SKIP_ASAN:-0}" = 1 ]; then
  [ "${JOBSTACK_SKIP_ASAN:-0}" = 1 ] && log "JOBSTACK_SKIP_ASAN=1: skipping the sanitizer lane"
  finish build "$rc"
fi

# fuzz_requests: replays tests/fuzz/regressions, then fuzzes the request path
# (no Redis needed) for JOBSTACK_FUZZ_SECONDS (default 60). A crash fails the
# run; its input is kept in build-fuzz/ to be added to the regressions.
fuzz_requests() {
  local secs=${JOBSTACK_FUZZ_SECONDS:-60} work
  [ "$secs" = 0 ] && { log "JOBSTACK_FUZZ_SECONDS=0: skipping the fuzzer"; return 0; }
  log "building the fuzzer (clang, libFuzzer + ASan + UBSan)"
  CXX=clang++ cmake -S tests/fuzz -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build-fuzz -j "$(nproc)"
  if compgen -G "tests/fuzz/regressions/*" >/dev/null; then
    log "replaying tests/fuzz/regressions"
    build-fuzz/fuzz_requests tests/fuzz/regressions/* || die "a fuzz regression fails again"
  fi
  work=$(mktemp -d)
  cp tests/fuzz/corpus/* "$work"/
  log "fuzzing the request path for ${secs}s"
  build-fuzz/fuzz_requests -max_total_time="$secs" -max_len=8192 -timeout=10 \
    -artifact_prefix=build-fuzz/ -print_final_stats=1 "$work" 2>&1 | tail -n 12 \
    || die "the fuzzer found a crash: see build-fuzz/crash-*; add it to tests/fuzz/regressions"
  rm -rf "$work"
}
fuzz_requests

build_tree build-asan Debug -DJOBSTACK_SANITIZE=ON -DJOBSTACK_WERROR=ON -DJOBSTACK_E2E=OFF
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
rc=0
run_ctest build-asan || rc=$?
finish build-asan "$rc"

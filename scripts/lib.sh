# shellcheck shell=bash
# scripts/lib.sh: helpers shared by scripts/run.sh and scripts/test.sh.
# Source it; it defines functions and the package list and runs nothing.
# Every wait here is bounded; every message goes to stderr with a prefix.

# Debian 12 packages needed to build, test and run jobstack: the build and
# test lists of scripts/packages.sh (deploy/Dockerfile uses the same lists).
# shellcheck source=scripts/packages.sh
source "$(dirname "${BASH_SOURCE[0]}")/packages.sh"
JOBSTACK_PACKAGES=("${JOBSTACK_BUILD_PACKAGES[@]}" "${JOBSTACK_TEST_PACKAGES[@]}")

log() { printf '[%s] %s\n' "${0##*/}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Installs the packages of JOBSTACK_PACKAGES that are missing (apt-get, root).
ensure_packages() {
  local missing=() pkg
  for pkg in "${JOBSTACK_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
      || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] \
    || die "missing packages: ${missing[*]}; run as root or: apt-get install ${missing[*]}"
  log "installing missing packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Installs the npm packages of package-lock.json into node_modules/ (the
# Swagger UI assets that jobstack-server serves at /swagger, and the OpenAPI
# linter) when they are missing or older than the lock file; first installs
# Debian's nodejs and npm if npm is missing. Runs no install scripts and sends
# no usage data, so it needs nothing but the npm registry.
ensure_node_modules() {
  if ! command -v npm >/dev/null 2>&1; then
    [ "$(id -u)" -eq 0 ] \
      || die "npm is missing; run as root or: apt-get install nodejs npm"
    log "installing missing packages: nodejs npm"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends nodejs npm
  fi
  local stamp=node_modules/.package-lock.json
  [ -f "$stamp" ] && ! [ package-lock.json -nt "$stamp" ] && return 0
  log "installing the npm packages of package-lock.json into node_modules/"
  SCARF_ANALYTICS=false npm ci --no-audit --no-fund --ignore-scripts
}

# build_tree DIR BUILD_TYPE [CMAKE_ARGS...]: configure with Ninja and build all.
build_tree() {
  local dir=$1 type=$2
  shift 2
  log "configuring $dir ($type)"
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" "$@"
  log "building $dir"
  cmake --build "$dir" -j "$(nproc)"
}

# port_in_use PORT: true if something accepts TCP connections on 127.0.0.1:PORT.
port_in_use() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.2 s until it
# succeeds; fails after SECONDS.
wait_for() {
  local secs=$1 what=$2 i
  shift 2
  for ((i = 0; i < secs * 5; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  log "timed out after ${secs}s waiting for $what"
  return 1
}

# stop_pid PID NAME [SECONDS]: SIGTERM, wait up to SECONDS (default 15), then
# SIGKILL. Reaps the child if it is ours. Prints nothing if it is already gone.
stop_pid() {
  local pid=$1 name=$2 secs=${3:-15} i
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < secs * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name did not stop within ${secs}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

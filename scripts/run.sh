#!/usr/bin/env bash
# scripts/run.sh: build jobstack and run it in the foreground on this machine:
# Redis (embedded unless REDIS_HOSTNAME is set), jobstack-server, one
# jobstack-worker. Ctrl-C stops them in that reverse order and exits 0; if one
# of them dies on its own, the others are stopped and the script exits 1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

http_port=${CSC_HTTP_PORT:-3000}
broker_port=${CSC_BROKER_PORT:-4242}
redis_port=${REDIS_PORT:-6379}

pids=()   # started children, in start order
names=()
stopping=0

# Stops every child still running, newest first (worker, server, Redis).
stop_all() {
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    stop_pid "${pids[i]}" "${names[i]}" 15
  done
  pids=()
  names=()
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# shellcheck disable=SC2317  # called through wait_for
redis_ping() { [ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = PONG ]; }

# start NAME COMMAND...: runs COMMAND in its own session, so that a Ctrl-C on
# the terminal reaches only this script, which then stops the children in order.
start() {
  local name=$1
  shift
  setsid "$@" &
  pids+=("$!")
  names+=("$name")
  log "started $name (pid $!)"
}

ensure_packages
ensure_node_modules
build_tree build RelWithDebInfo

for p in "$http_port" "$broker_port"; do
  port_in_use "$p" && die "port $p is already in use; set CSC_HTTP_PORT / CSC_BROKER_PORT to free ports"
done

if [ -n "${REDIS_HOSTNAME:-}" ]; then
  log "using the Redis at $REDIS_HOSTNAME:$redis_port (REDIS_HOSTNAME is set)"
else
  port_in_use "$redis_port" \
    && die "port $redis_port is taken: set REDIS_PORT to a free port, or REDIS_HOSTNAME (and REDIS_PORT) to use that Redis"
  mkdir -p var/redis
  start redis redis-server --port "$redis_port" --bind 127.0.0.1 \
    --dir "$PWD/var/redis" --appendonly yes --appendfsync everysec --save '' \
    --daemonize no --logfile "$PWD/var/redis/redis.log"
  wait_for 10 "Redis to answer PING on port $redis_port" redis_ping "$redis_port" \
    || die "Redis did not start; see var/redis/redis.log"
  export REDIS_HOSTNAME=127.0.0.1
fi
export REDIS_PORT=$redis_port CSC_HTTP_PORT=$http_port CSC_BROKER_PORT=$broker_port

start jobstack-server build/bin/jobstack-server
wait_for 30 "jobstack-server to answer /healthz" \
  curl -fsS "http://127.0.0.1:$http_port/healthz" \
  || die "jobstack-server did not become healthy"
start jobstack-worker build/bin/jobstack-worker

cat >&2 <<MSG

  jobstack is running: API at http://127.0.0.1:$http_port (broker on port $broker_port)
  Try:
    curl -s -X POST -H 'Content-Type: application/json' \\
         -d '{"type":"echo","payload":{"hello":"world"}}' http://127.0.0.1:$http_port/v1/jobs
    curl -s http://127.0.0.1:$http_port/v1/jobs/<id from the answer above>
  Press Ctrl-C to stop.

MSG

# Wait for Ctrl-C (INT/TERM) or for a child to exit, whichever comes first.
trap 'stopping=1' INT TERM
rc=0
wait -n -p dead "${pids[@]}" || rc=$?
if [ "$stopping" -eq 1 ]; then
  stop_all
  log "stopped"
  exit 0
fi
for i in "${!pids[@]}"; do
  [ "${pids[i]}" = "${dead:-}" ] && log "error: ${names[i]} exited unexpectedly (status $rc)"
done
stop_all
exit 1

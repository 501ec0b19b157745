#!/bin/sh
# deploy/docker-entrypoint.sh: the jobstack image's entrypoint. The first
# argument picks the program, the rest are its flags:
#   server [FLAGS]   jobstack-server (the default command)
#   worker [FLAGS]   jobstack-worker (e.g. `worker --once`)
#   ctl ARGS...      jobstack-ctl (e.g. `ctl nodes server:4242`)
# Anything else runs as given (e.g. `sh` to look around). exec, so that the
# program gets SIGTERM from `docker stop` itself and drains gracefully.
set -eu
case "${1:-server}" in
  server) [ $# -gt 0 ] && shift; exec /usr/local/bin/jobstack-server "$@" ;;
  worker) shift; exec /usr/local/bin/jobstack-worker "$@" ;;
  ctl) shift; exec /usr/local/bin/jobstack-ctl "$@" ;;
  -*) echo "jobstack-entrypoint: first name the program: server, worker or ctl (got '$1')" >&2; exit 2 ;;
  *) exec "$@" ;;
esac

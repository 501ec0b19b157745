#!/bin/sh
# deploy/healthcheck.sh: the image's HEALTHCHECK (installed as
# jobstack-healthcheck). One image runs both nodes, so it asks the server's
# /healthz on CSC_HTTP_PORT (https when CSC_HTTP_TLS_CERT is set) and, when
# nothing answers there, a worker's /healthz on CSC_METRICS_PORT. A worker
# started with CSC_METRICS_PORT=0 serves no /healthz and reads as unhealthy.
# Ports come from the environment only (not from an application config file).
set -u
scheme=http
[ -n "${CSC_HTTP_TLS_CERT:-}" ] && scheme=https
# -k: a loopback self-check; the certificate names the public host, not 127.0.0.1.
curl -fsS -k -m 3 -o /dev/null "$scheme://127.0.0.1:${CSC_HTTP_PORT:-3000}/healthz" && exit 0
curl -fsS -m 3 -o /dev/null "http://127.0.0.1:${CSC_METRICS_PORT:-9464}/healthz" && exit 0
exit 1

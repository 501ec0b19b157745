#!/usr/bin/env bash
# tests/docs/prometheus_config.sh: checks the monitoring files of deploy/ with
# promtool (Debian's prometheus package, installed by scripts/lib.sh):
# prometheus.yml is a valid config, alerts.yml valid rules whose unit tests
# (alerts_test.yml) pass, and the Grafana dashboard valid JSON whose every
# panel has a query that PromQL parses. Needs no build, no network.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
if ! command -v promtool >/dev/null; then
  echo "FAIL docs.prometheus_config: promtool not found in PATH; install Debian's prometheus package (apt-get install prometheus; scripts/lib.sh does)" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
promtool check config deploy/prometheus/prometheus.yml
promtool check rules deploy/prometheus/alerts.yml
promtool test rules deploy/prometheus/alerts_test.yml
python3 tests/docs/check_dashboard.py deploy/grafana/jobstack-dashboard.json "$tmp/dashboard-exprs.yml"
promtool check rules "$tmp/dashboard-exprs.yml"
echo "PASS docs.prometheus_config"

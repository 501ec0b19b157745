#!/usr/bin/env bash
# tests/docs/openapi_lint.sh: lints openapi.yaml with the @redocly/cli pinned
# in package-lock.json (node_modules/, installed by scripts/lib.sh's
# ensure_node_modules) and the rules of redocly.yaml. Any problem fails: the
# rule set is recommended-strict. Runs offline: no usage data, no update check.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
redocly=node_modules/.bin/redocly
if [ ! -x "$redocly" ]; then
  echo "FAIL docs.openapi_lint: $PWD/$redocly is missing; run: npm ci --no-audit --no-fund --ignore-scripts" >&2
  exit 1
fi
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_COLOR=1
exec "$redocly" lint --config redocly.yaml openapi.yaml

#!/usr/bin/env bash
# Starts the whole system on one machine: installs what is missing (npm
# packages, the Temporal CLI), then runs scripts/start.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "start: installing npm packages" >&2
  npm ci --no-audit --no-fund >&2
fi
if [ -z "${TEMPORAL_ADDRESS:-}" ]; then
  TEMPORAL_CLI="$(bash scripts/install-temporal.sh)"
  export TEMPORAL_CLI
fi
# A larger young generation: the worker and API allocate per activation and
# per request, and the default (16 MB) makes V8 scavenge several times as often.
exec node --max-semi-space-size=32 --import tsx scripts/start.ts "$@"

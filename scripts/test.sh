#!/usr/bin/env bash
# Runs the whole suite against the real Temporal dev server and PostgreSQL.
# Installs what is missing first: npm packages, the Temporal CLI, the Temporal
# server (the cluster's chaos round), SeaweedFS's weed
# (the S3 store's tests), and starts the local PostgreSQL cluster when it is down. Extra arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
# First: a failure below (install, typecheck) must not leave the last run's report to be read as this one's.
rm -f .data/test/report.json

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
if [ -z "${TEMPORAL_TEST_ADDRESS:-}" ]; then
  TEMPORAL_CLI="$(bash scripts/install-temporal.sh)"
  export TEMPORAL_CLI
fi
# The chaos round against the cluster (and TEST_TEMPORAL=cluster) needs the
# Temporal server and its SQL tool: built once from the Go module proxy.
if [ -z "${TEMPORAL_SERVER:-}" ] || [ -z "${TEMPORAL_SQL_TOOL:-}" ]; then
  { read -r TEMPORAL_SERVER; read -r TEMPORAL_SQL_TOOL; } < <(bash scripts/install-temporal-server.sh)
  export TEMPORAL_SERVER TEMPORAL_SQL_TOOL
fi
# The S3 store's tests need it and fail without it (they are never skipped): a
# failed install stops the run here, where the cause is plain.
if [ -z "${WEED_BIN:-}" ]; then
  WEED_BIN="$(bash scripts/install-seaweedfs.sh)"
  export WEED_BIN
fi

pg_up() { node -e "
  const c = new (require('pg').Client)({ connectionString: process.env.TEST_ADMIN_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres', connectionTimeoutMillis: 2000 });
  c.connect().then(() => c.end()).then(() => process.exit(0), () => process.exit(1));" ; }
if ! pg_up; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test: installing PostgreSQL from Debian packages" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "test: starting the local PostgreSQL cluster" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || { echo "test: PostgreSQL is not reachable at 127.0.0.1:5432 (set TEST_ADMIN_DATABASE_URL)" >&2; exit 1; }
fi

# The page tests drive Debian's Chromium (browsers cannot be downloaded: no `playwright install`).
if [ -z "${CHROMIUM_PATH:-}" ]; then
  if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test: installing Chromium from Debian packages" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  CHROMIUM_PATH="$(command -v chromium || true)"
  export CHROMIUM_PATH
fi

npx tsc --noEmit
exec npx vitest run "$@"

#!/usr/bin/env bash
# Starts the whole system on one machine: installs what is missing (npm
# packages, the Temporal CLI), then runs scripts/start.ts.
#
# Signals: npm passes a SIGINT or SIGTERM it gets (from a process manager, or
# `kill <npm pid>`) to its child alone, never to the child's children. The
# script line is `exec bash scripts/start.sh` so that child is this shell and
# then, after the `exec` below, node itself; without the exec, npm's `sh -c`
# sat in between, took the signal and waited on, and nothing stopped.
set -euo pipefail
cd "$(dirname "$0")/.."

# While an install step runs, the signal comes to this shell, and bash acts on
# a trapped signal only once the command in the foreground ends (a first
# build takes minutes). Each step runs in the background, waited for, so the
# trap stops it at once and the system is not started.
step=
stop_step() {
  if [ -n "$step" ]; then kill -TERM "$step" 2>/dev/null || true; fi
  exit "$1"
}
trap 'stop_step 130' INT
trap 'stop_step 143' TERM
in_background() {
  "$@" &
  step=$!
  wait "$step"
  step=
}

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "start: installing npm packages" >&2
  in_background npm ci --no-audit --no-fund >&2
fi
if [ -z "${TEMPORAL_ADDRESS:-}" ]; then
  cli_path="$(mktemp)"
  in_background bash scripts/install-temporal.sh >"$cli_path"
  TEMPORAL_CLI="$(cat "$cli_path")"
  rm -f "$cli_path"
  export TEMPORAL_CLI
fi
# A larger young generation: the worker and API allocate per activation and
# per request, and the default (16 MB) makes V8 scavenge several times as often.
# exec: node takes this shell's place, so npm's signal reaches it (exec also
# drops the traps above).
exec node --max-semi-space-size=32 --import tsx scripts/start.ts "$@"

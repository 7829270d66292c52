#!/usr/bin/env bash
# Makes sure a Temporal CLI (which carries the dev server) is available and prints
# its path. Uses one on PATH when it is v1.5 or newer; otherwise builds v1.5.1 from
# the Go module proxy into .tools/bin (later tags carry a replace directive and
# cannot be go-installed). Needs Go only on that first build.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
want="1.5.1"
local_bin="$root/.tools/bin/temporal"

recent_enough() {
  local v
  v=$("$1" --version 2>/dev/null | sed -nE 's/^temporal version ([0-9]+\.[0-9]+)\..*/\1/p')
  [ -n "$v" ] && awk -v v="$v" 'BEGIN { split(v, a, "."); exit !(a[1] > 1 || (a[1] == 1 && a[2] >= 5)) }'
}

if [ -x "$local_bin" ]; then echo "$local_bin"; exit 0; fi
if command -v temporal >/dev/null 2>&1 && recent_enough "$(command -v temporal)"; then
  command -v temporal; exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  for g in /usr/local/go/bin/go /usr/lib/go/bin/go; do [ -x "$g" ] && export PATH="$(dirname "$g"):$PATH" && break; done
fi
if ! command -v go >/dev/null 2>&1; then
  echo "install-temporal: no Temporal CLI >= 1.5 on PATH and no Go to build one; install Go or the Temporal CLI" >&2
  exit 1
fi
echo "install-temporal: building the Temporal CLI v$want into .tools/bin (one time, a few minutes)" >&2
mkdir -p "$root/.tools/bin"
GOBIN="$root/.tools/bin" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@v$want" >&2
echo "$local_bin"

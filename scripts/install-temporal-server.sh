#!/usr/bin/env bash
# Makes sure the Temporal server and its SQL schema tool, at the pinned version,
# are in .tools/bin, and prints their paths (the server's first, one a line):
#
#   .tools/bin/temporal-server     go.temporal.io/server/cmd/server
#   .tools/bin/temporal-sql-tool   go.temporal.io/server/cmd/tools/sql (schemas embedded)
#
# Built once from the Go module proxy with `go install` (the server's go.mod has
# no replace directive, so its own requirements pin every dependency), then
# reused while `--version` names the pinned version. Used by `npm run cluster`
# and `TEST_TEMPORAL=cluster npm test` (scripts/temporal-cluster.ts); keep
# docker-compose.yml's Temporal images at the same version.
#
# A first build takes about 4 minutes on 2 cores (most of it compiling the
# server; the module downloads are a few hundred MB in Go's module cache).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# Pinned. Its go.mod asks for Go 1.26.10, newer than some machines' Go: see
# GOTOOLCHAIN below.
want="1.32.2"
bin="$root/.tools/bin"
server="$bin/temporal-server"
sqltool="$bin/temporal-sql-tool"

# `temporal-server --version` prints "temporal version 1.32.2",
# `temporal-sql-tool --version` "temporal-sql-tool version 1.32.2".
is_pinned() { [ -x "$1" ] && [ "$("$1" --version 2>/dev/null | awk '{ print $NF }')" = "$want" ]; }

if is_pinned "$server" && is_pinned "$sqltool"; then
  printf '%s\n%s\n' "$server" "$sqltool"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  for g in /usr/local/go/bin/go /usr/lib/go/bin/go; do [ -x "$g" ] && export PATH="$(dirname "$g"):$PATH" && break; done
fi
if ! command -v go >/dev/null 2>&1; then
  echo "install-temporal-server: no Go to build the Temporal server v$want with; install Go 1.26 or newer" >&2
  exit 1
fi
# The server's go.mod says `go 1.26.10`. A Go older than that would refuse (or,
# with GOTOOLCHAIN=auto, fetch exactly 1.26.10); go1.27.3 is the newer
# toolchain the module proxy serves here, fetched by the go command itself.
# A GOTOOLCHAIN already set wins.
have_go="$(GOTOOLCHAIN=local go env GOVERSION)"
if [ -z "${GOTOOLCHAIN:-}" ] && ! printf '%s\n%s\n' "go1.26.10" "$have_go" | sort -V -C; then
  export GOTOOLCHAIN=go1.27.3
fi

echo "install-temporal-server: building the Temporal server v$want and temporal-sql-tool into .tools/bin (one time, about 4 minutes)" >&2
mkdir -p "$bin"
tmp="$(mktemp -d "$bin/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
started=$SECONDS
# nice: the build takes both cores for minutes, and others share the machine.
GOBIN="$tmp" GOFLAGS=-mod=mod nice -n 10 go install \
  "go.temporal.io/server/cmd/server@v$want" \
  "go.temporal.io/server/cmd/tools/sql@v$want" >&2
mv -f "$tmp/server" "$server"
mv -f "$tmp/sql" "$sqltool"
echo "install-temporal-server: built v$want in $((SECONDS - started)) s" >&2
printf '%s\n%s\n' "$server" "$sqltool"

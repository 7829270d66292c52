#!/usr/bin/env bash
# Makes sure a SeaweedFS `weed` binary (Apache-2.0; its S3 gateway is the object
# store the document tests run against) is available and prints its path. Uses one
# on PATH when it is 4.53 or newer; otherwise builds 4.53 from the Go module proxy
# into .tools/bin (one time: about 9 minutes cold on 2 cores, 157 MB binary, ~1.9 GB
# of modules in the Go module cache). Needs Go >= 1.26.6 only on that first build.
#
# SeaweedFS tags its releases "4.53", not semver, so the proxy serves it only as a
# pseudo-version, and `go install ...@version` is refused because its go.mod carries
# a replace directive. So: download the module, copy it out of the read-only module
# cache, and `go build` inside the copy, where its go.mod is the main module's.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
want="4.53"
module="github.com/seaweedfs/seaweedfs"
pseudo="v0.0.0-20261109003541-7506e5f91cd6" # the commit that reports "version 30GB 4.53"
local_bin="$root/.tools/bin/weed"

recent_enough() {
  local v
  v=$("$1" version 2>/dev/null | sed -nE 's/^version [^ ]+ ([0-9]+\.[0-9]+).*/\1/p')
  [ -n "$v" ] && awk -v v="$v" -v w="$want" 'BEGIN { split(v, a, "."); split(w, b, "."); exit !(a[1] > b[1] || (a[1] == b[1] && a[2] >= b[2])) }'
}

if [ -x "$local_bin" ]; then echo "$local_bin"; exit 0; fi
if command -v weed >/dev/null 2>&1 && recent_enough "$(command -v weed)"; then
  command -v weed; exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  for g in /usr/local/go/bin/go /usr/lib/go/bin/go; do [ -x "$g" ] && export PATH="$(dirname "$g"):$PATH" && break; done
fi
if ! command -v go >/dev/null 2>&1; then
  echo "install-seaweedfs: no weed >= $want on PATH and no Go to build one; install Go (>= 1.26.6) or SeaweedFS" >&2
  exit 1
fi
echo "install-seaweedfs: building SeaweedFS $want into .tools/bin (one time, about 10 minutes)" >&2
work="$(mktemp -d)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
# Outside any go.mod (the temp dir), so the download is not tied to a module of ours.
dir=$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "$module@$pseudo" \
  | sed -nE 's/^[[:space:]]*"Dir": "(.*)",?$/\1/p')
if [ -z "$dir" ] || [ ! -d "$dir" ]; then
  echo "install-seaweedfs: go mod download $module@$pseudo gave no module directory" >&2
  exit 1
fi
cp -r "$dir" "$work/src"
chmod -R u+w "$work/src"
mkdir -p "$root/.tools/bin"
# Build to a temporary name first: an interrupted build leaves no half binary that
# the -x test above would take for a good one next time.
(cd "$work/src" && go build -buildvcs=false -trimpath -ldflags "-s -w" -o "$local_bin.tmp" ./weed) >&2
mv "$local_bin.tmp" "$local_bin"
"$local_bin" version >&2
echo "$local_bin"

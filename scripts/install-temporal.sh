#!/usr/bin/env bash
# Makes sure a Temporal CLI (which carries the dev server) is available and prints
# its path. In order:
#
#   1. .tools/bin/temporal, when it is the pinned version;
#   2. a `temporal` on PATH, when it is v1.5 or newer;
#   3. the official release archive of the pinned version, downloaded (curl)
#      and taken only when its SHA-256 is the one pinned for it in
#      scripts/temporal-cli-checksums.txt; extracted into .tools/bin;
#   4. otherwise (no internet, a refused archive, no pin for this platform) the
#      pinned version built from the Go module proxy into .tools/bin, with its
#      version stamped the way the release stamps it. Needs Go only then.
#
# A plain `go install` of the CLI reports "0.0.0-DEV"; such a binary is judged
# by the module version Go recorded in it (`go version -m`) when Go is here.
#
# Environment:
#   TEMPORAL_CLI_DOWNLOAD=0          skip step 3
#   TEMPORAL_CLI_DOWNLOAD_BASE       where the releases are, laid out like
#                                    GitHub's: <base>/v<version>/<archive>
#                                    (default https://github.com/temporalio/cli/releases/download)
#   TEMPORAL_CLI_INSTALL_DIR         instead of .tools/bin
#   TEMPORAL_CLI_CHECKSUMS           instead of scripts/temporal-cli-checksums.txt
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# Pinned: later tags carry a replace directive in their go.mod and cannot be
# go-installed. Bump it together with temporal-cli-checksums.txt and, if the
# CLI moved it, version_var.
want="1.5.1"
# What a CLI on PATH must be at least (the dev server flags scripts/temporal.ts uses).
minimum="1.5.0"
# Where the release build puts the version (the CLI's .goreleaser.yml, v1.5.x).
version_var="github.com/temporalio/cli/temporalcli.Version"
module="github.com/temporalio/cli"
bin="${TEMPORAL_CLI_INSTALL_DIR:-$root/.tools/bin}"
local_bin="$bin/temporal"
checksums="${TEMPORAL_CLI_CHECKSUMS:-$root/scripts/temporal-cli-checksums.txt}"
base="${TEMPORAL_CLI_DOWNLOAD_BASE:-https://github.com/temporalio/cli/releases/download}"
base="${base%/}"

say() { echo "install-temporal: $*" >&2; }

work=""
trap 'if [ -n "$work" ]; then rm -rf "$work"; fi' EXIT

if ! command -v go >/dev/null 2>&1; then
  for g in /usr/local/go/bin/go /usr/lib/go/bin/go; do [ -x "$g" ] && export PATH="$(dirname "$g"):$PATH" && break; done
fi

# What `--version` says: "temporal version 1.5.1 (Server ..., UI ...)".
reported_version() {
  "$1" --version 2>/dev/null | sed -nE 's/^temporal version ([^ ]+).*/\1/p' | head -n 1 || true
}

# The version a CLI binary is: the one it reports, or for a "0.0.0-DEV" the
# module version in its build info.
version_of() {
  local v
  v=$(reported_version "$1")
  if [ "$v" = "0.0.0-DEV" ] && command -v go >/dev/null 2>&1; then
    v=$(go version -m "$1" 2>/dev/null | awk -v m="$module" '$1 == "mod" && $2 == m { sub(/^v/, "", $3); print $3; exit }') || true
  fi
  echo "$v"
}

at_least_minimum() {
  [ -n "$1" ] && awk -v v="$1" -v w="$minimum" 'BEGIN {
    split(v, a, /[.-]/); split(w, b, /[.-]/)
    for (i = 1; i <= 3; i++) { if (a[i] + 0 != b[i] + 0) exit !(a[i] + 0 > b[i] + 0) }
    exit 0
  }'
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | awk '{ print $1 }'
  elif command -v shasum >/dev/null 2>&1; then shasum -a 256 "$1" | awk '{ print $1 }'
  else node -e 'process.stdout.write(require("crypto").createHash("sha256").update(require("fs").readFileSync(process.argv[1])).digest("hex"))' "$1"
  fi
}

# Step 3. Returns non-zero, having said why, when nothing was installed.
download() {
  case "${TEMPORAL_CLI_DOWNLOAD:-1}" in
    0 | false | no | off) say "not downloading (TEMPORAL_CLI_DOWNLOAD=$TEMPORAL_CLI_DOWNLOAD)"; return 1 ;;
  esac
  local os arch asset pinned url got v
  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) say "no release archive for $(uname -s)"; return 1 ;; esac
  case "$(uname -m)" in x86_64 | amd64) arch=amd64 ;; aarch64 | arm64) arch=arm64 ;; *) say "no release archive for $(uname -m)"; return 1 ;; esac
  asset="temporal_cli_${want}_${os}_${arch}.tar.gz"
  pinned=$(awk -v a="$asset" '$1 !~ /^#/ && $2 == a { print $1; exit }' "$checksums" 2>/dev/null) || true
  if ! [[ "$pinned" =~ ^[0-9a-f]{64}$ ]]; then
    say "no SHA-256 pinned for $asset in $checksums: not downloading it"
    return 1
  fi
  if ! command -v curl >/dev/null 2>&1; then say "no curl to download the release with"; return 1; fi
  url="$base/v$want/$asset"
  mkdir -p "$bin" && work="$(mktemp -d "$bin/.download.XXXXXX")" || return 1
  say "downloading $url"
  # A short connect timeout: a machine without internet falls back at once.
  # A transfer slower than 1 KiB/s for 30 s is given up too.
  if ! curl -fsSL --connect-timeout 5 --speed-limit 1024 --speed-time 30 -o "$work/$asset" "$url"; then
    say "could not download $url (curl's reason above)"
    return 1
  fi
  got=$(sha256_of "$work/$asset") || true
  if [ "$got" != "$pinned" ]; then
    say "REFUSED $url: its SHA-256 is $got, but $checksums pins $pinned for $asset."
    say "  Either the server did not serve the release, or the pin is wrong: compare with the release's checksums.txt."
    return 1
  fi
  if ! tar -xzf "$work/$asset" -C "$work" temporal || [ ! -f "$work/temporal" ]; then
    say "$asset (SHA-256 verified) has no temporal in it"
    return 1
  fi
  chmod 755 "$work/temporal"
  v=$(reported_version "$work/temporal")
  if [ "$v" != "$want" ]; then
    say "the temporal in $asset reports version '$v', not $want"
    return 1
  fi
  mv -f "$work/temporal" "$local_bin"
  say "installed the Temporal CLI v$want from $url (SHA-256 matches the pin)"
}

if [ -x "$local_bin" ] && [ "$(version_of "$local_bin")" = "$want" ]; then echo "$local_bin"; exit 0; fi
if on_path="$(command -v temporal 2>/dev/null)" && [ "$on_path" != "$local_bin" ] && at_least_minimum "$(version_of "$on_path")"; then
  echo "$on_path"; exit 0
fi

if download; then echo "$local_bin"; exit 0; fi

if ! command -v go >/dev/null 2>&1; then
  say "no Temporal CLI v$want: not downloaded (above) and no Go to build one; install Go, or the Temporal CLI >= $minimum on PATH"
  exit 1
fi
say "building the Temporal CLI v$want from the Go module proxy into $bin instead (one time, a few minutes)"
mkdir -p "$bin"
if [ -n "$work" ]; then rm -rf "$work"; fi
# Built into a temporary folder: an interrupted build leaves nothing the first
# check above would take. nice: it takes both cores for minutes on a shared machine.
work="$(mktemp -d "$bin/.build.XXXXXX")"
GOBIN="$work" GOFLAGS=-mod=mod nice -n 10 go install -ldflags "-s -w -X $version_var=$want" "$module/cmd/temporal@v$want" >&2
v=$(reported_version "$work/temporal")
if [ "$v" != "$want" ]; then
  say "the CLI built from $module@v$want reports version '$v', not $want: is $version_var still where it sets its version?"
  exit 1
fi
mv -f "$work/temporal" "$local_bin"
say "built the Temporal CLI v$want"
echo "$local_bin"

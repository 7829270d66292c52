#!/bin/sh
# One-shot job (the `temporal-search-attributes` service in docker-compose.yml):
# creates the namespace when it is missing, registers the custom search
# attributes the application workflow sets, then exits 0 so the worker and the
# API can start.
#
# Why a job and not the workflow or the app: a workflow that upserts an
# attribute the namespace does not know fails its workflow task, and the API's
# start carries attributes too. They have to exist before either process runs.
#
# Safe to run again on every `docker compose up`: an attribute that is already
# there is left alone.
#
# Environment:
#   TEMPORAL_ADDRESS     frontend host:port            (default temporal:7233)
#   TEMPORAL_NAMESPACE   namespace the app runs in     (default default); created when missing
#   TEMPORAL_NAMESPACE_RETENTION   how long closed workflows' histories stay (default 720h)
#   SEARCH_ATTRIBUTES    space-separated Name=Type pairs; must match
#                        SEARCH_ATTRIBUTES in workflows/application/contract.ts
#   MAX_ATTEMPTS, SLEEP_SECONDS   how long to wait for the server (default 60 x 5s)
set -u

ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_NAMESPACE_RETENTION:-720h}"
MAX_ATTEMPTS="${MAX_ATTEMPTS:-60}"
SLEEP_SECONDS="${SLEEP_SECONDS:-5}"

if [ -z "${SEARCH_ATTRIBUTES:-}" ]; then
  echo "register-search-attributes: SEARCH_ATTRIBUTES is empty; nothing to register" >&2
  exit 1
fi

t() { temporal "$@" --address "$ADDRESS" --namespace "$NAMESPACE"; }

# The type of one attribute as the namespace knows it, empty when unknown. The
# CLI prints a table, name in the first column and type in the last; the header
# line ("Name ... Type") never matches an attribute of ours.
registered_type() { t operator search-attribute list 2>/dev/null | awk -v n="$1" '$1 == n { print $NF }'; }

# "Keyword", "KEYWORD_LIST", "INDEXED_VALUE_TYPE_KEYWORD_LIST" all compare equal.
norm() { printf '%s' "$1" | tr 'A-Z' 'a-z' | sed -e 's/^indexed_value_type_//' -e 's/_//g'; }

# 0: registered with this type; 1: not registered; exits when the type differs,
# because then every upsert of the workflow would fail and an operator must decide.
check_registered() {
  have=$(registered_type "$1")
  [ -z "$have" ] && return 1
  if [ "$(norm "$have")" != "$(norm "$2")" ]; then
    echo "register-search-attributes: $1 is registered as $have, the workflow needs $2" >&2
    exit 1
  fi
  return 0
}

# 1. Wait until the server answers, then until the namespace exists,
#    creating it when it is missing (the first `up`: the server image, unlike
#    the old auto-setup, makes none). "The port is open" is not enough: the
#    frontend answers before its services have joined, and a namespace just
#    created takes a moment to show; describe must succeed.
attempt=1
until t operator namespace describe >/dev/null 2>&1; do
  if [ "$attempt" -ge "$MAX_ATTEMPTS" ]; then
    echo "register-search-attributes: namespace $NAMESPACE not reachable at $ADDRESS after $MAX_ATTEMPTS attempts" >&2
    exit 1
  fi
  if temporal operator cluster health --address "$ADDRESS" >/dev/null 2>&1; then
    # Another run may have created it meanwhile: "already" is as good.
    out=$(t operator namespace create --retention "$RETENTION" 2>&1) && echo "register-search-attributes: namespace $NAMESPACE created (retention $RETENTION)" ||
      printf '%s' "$out" | grep -qi 'already' || echo "register-search-attributes: creating namespace $NAMESPACE failed, retrying: $out"
  else
    echo "register-search-attributes: waiting for Temporal at $ADDRESS ($attempt/$MAX_ATTEMPTS)"
  fi
  attempt=$((attempt + 1))
  sleep "$SLEEP_SECONDS"
done

# 2. Create each attribute that is missing. One at a time so that one that
#    already exists (with any message wording) does not stop the others.
for pair in $SEARCH_ATTRIBUTES; do
  name="${pair%%=*}"
  type="${pair#*=}"
  attempt=1
  while :; do
    if check_registered "$name" "$type"; then
      echo "register-search-attributes: $name already registered"
      break
    fi
    if out=$(t operator search-attribute create --name "$name" --type "$type" 2>&1); then
      echo "register-search-attributes: $name ($type) created"
      break
    fi
    # Same name, other type (a race with another writer): stop, as above.
    if printf '%s' "$out" | grep -qi 'different type'; then
      echo "register-search-attributes: $name exists with another type than $type: $out" >&2
      exit 1
    fi
    # Another run (or a restart of this one) won the race: that is success.
    if printf '%s' "$out" | grep -qi 'already exists'; then
      echo "register-search-attributes: $name already exists"
      break
    fi
    if [ "$attempt" -ge "$MAX_ATTEMPTS" ]; then
      echo "register-search-attributes: could not create $name ($type): $out" >&2
      exit 1
    fi
    echo "register-search-attributes: creating $name failed, retrying ($attempt/$MAX_ATTEMPTS): $out"
    attempt=$((attempt + 1))
    sleep "$SLEEP_SECONDS"
  done
done

# 3. Wait until the server lists every one with its type, so the worker and
#    the API never start against a server that has not caught up yet.
attempt=1
while :; do
  missing=""
  for pair in $SEARCH_ATTRIBUTES; do
    name="${pair%%=*}"
    check_registered "$name" "${pair#*=}" || missing="$missing $name"
  done
  [ -z "$missing" ] && break
  if [ "$attempt" -ge "$MAX_ATTEMPTS" ]; then
    echo "register-search-attributes: still not listed after $MAX_ATTEMPTS attempts:$missing" >&2
    exit 1
  fi
  echo "register-search-attributes: waiting for the namespace cache to show:$missing"
  attempt=$((attempt + 1))
  sleep 2
done

echo "register-search-attributes: all registered in namespace $NAMESPACE"

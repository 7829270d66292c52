#!/bin/sh
# Runs once, when the app's PostgreSQL starts on an empty data directory
# (the postgres image runs /docker-entrypoint-initdb.d/ as its superuser).
# Two roles, least privilege:
#   tarkhees_owner  owns the database and its schema; only the migrate job uses it.
#   tarkhees_app    what the worker and the API connect as; its rights come from
#                   the grants the migrations give it (db/client.ts): the case
#                   tables, and on audit_log only INSERT and SELECT.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$TARKHEES_OWNER_PASSWORD" -v app_password="$TARKHEES_APP_PASSWORD" <<'SQL'
CREATE ROLE tarkhees_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE tarkhees_app LOGIN PASSWORD :'app_password';
CREATE DATABASE tarkhees OWNER tarkhees_owner;
\connect tarkhees
-- PostgreSQL 15 already keeps CREATE on public to its owner; said here so an older image does too.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL

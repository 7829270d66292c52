#!/bin/sh
# One-shot job (the `temporal-schema` service in docker-compose.yml): creates
# Temporal's two databases when missing and brings each schema to the version
# the image's temporal-sql-tool embeds. Every step is a no-op when done, so it
# runs on every `docker compose up`. scripts/temporal-cluster.ts runs the same
# steps for `npm run cluster` and the tests.
#
# Environment: SQL_PLUGIN, SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD (read by
# the tool itself); DBNAME, VISIBILITY_DBNAME (default temporal, temporal_visibility).
set -eu

schema() {
  temporal-sql-tool --db "$1" create-database
  temporal-sql-tool --db "$1" setup-schema -v 0.0
  temporal-sql-tool --db "$1" update-schema --schema-name "postgresql/v12/$2"
}

schema "${DBNAME:-temporal}" temporal
schema "${VISIBILITY_DBNAME:-temporal_visibility}" visibility
echo "temporal-schema: ${DBNAME:-temporal} and ${VISIBILITY_DBNAME:-temporal_visibility} are at this release's schema"

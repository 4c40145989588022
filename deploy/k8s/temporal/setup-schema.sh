#!/bin/sh
# Temporal's two PostgreSQL databases and their schemas, to the version of this admin-tools image.
# Idempotent: run before every server start or upgrade (compose: temporal-schema; k8s: initContainer).
# Connection from SQL_PLUGIN, SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD.
set -eu
until nc -z "$SQL_HOST" "$SQL_PORT"; do echo "waiting for $SQL_HOST:$SQL_PORT"; sleep 1; done
for db in temporal visibility; do
  name=temporal; [ "$db" = visibility ] && name=temporal_visibility
  temporal-sql-tool --db "$name" create
  temporal-sql-tool --db "$name" setup-schema -v 0.0
  temporal-sql-tool --db "$name" update-schema -d "/etc/temporal/schema/postgresql/v12/$db/versioned"
done

#!/usr/bin/env bash
# The whole test suite, as README and .ci/run call it:
#   1. type-check everything (src, tests, migrations) and build dist/ (tests spawn the CLI and server);
#   2. the schema drift check;
#   3. jest on SQLite (always);
#   4. jest again on PostgreSQL when one answers at $TEST_POSTGRES_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"

echo "== type-check and build"
npx tsc -p tsconfig.json --noEmit
npx tsc -p tsconfig.build.json

echo "== schema.graphql drift check"
node dist/src/graphql/emit-schema.js --check

echo "== tests on SQLite"
npx jest "$@"

if node scripts/pg-reachable.js "$PG_URL"; then
  echo "== tests on PostgreSQL ($PG_URL)"
  TEST_DATABASE_URL="$PG_URL" npx jest "$@"
else
  echo "== PostgreSQL not reachable at $PG_URL: PostgreSQL run skipped (SQLite run passed)"
fi

#!/usr/bin/env bash
# The whole test suite, as README and .ci/run call it:
#   1. type-check everything (src, tests, migrations, client/generated) and build dist/ (tests spawn the CLI and server);
#   2. the drift checks: schema.graphql, then the generated client (client/generated/);
#   3. jest on SQLite (always);
#   4. jest again on PostgreSQL when one answers at $TEST_POSTGRES_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
REDIS_URL_FOR_TESTS="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"

echo "== type-check and build"
npx tsc -p tsconfig.json --noEmit
npx tsc -p tsconfig.build.json

echo "== schema.graphql drift check"
node dist/src/graphql/emit-schema.js --check

echo "== generated client drift check"
bash scripts/codegen-check.sh

# Redis-backed features (shared rate limits) are tested too when a Redis answers.
if node scripts/redis-reachable.js "$REDIS_URL_FOR_TESTS"; then
  export TEST_REDIS_URL="$REDIS_URL_FOR_TESTS"
  echo "== Redis at $TEST_REDIS_URL: shared rate-limit tests included"
else
  unset TEST_REDIS_URL
  echo "== Redis not reachable at $REDIS_URL_FOR_TESTS: shared rate-limit tests skipped"
fi

echo "== tests on SQLite"
npx jest "$@"

if node scripts/pg-reachable.js "$PG_URL"; then
  echo "== tests on PostgreSQL ($PG_URL)"
  TEST_DATABASE_URL="$PG_URL" npx jest "$@"
else
  echo "== PostgreSQL not reachable at $PG_URL: PostgreSQL run skipped (SQLite run passed)"
fi

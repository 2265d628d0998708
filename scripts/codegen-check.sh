#!/usr/bin/env bash
# `npm run codegen:check`: fails when client/generated/ is not what `npm run codegen` writes
# from schema.graphql and client/operations/. It generates into a temporary directory and
# compares, so the working tree is never rewritten. Offline: it reads local files only.
set -euo pipefail
cd "$(dirname "$0")/.."

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

CODEGEN_OUT="$work/generated/" npx graphql-codegen --config codegen.ts

if ! diff -rq client/generated "$work/generated" >"$work/files" 2>&1; then
  {
    echo "client/generated/ is out of date with schema.graphql or client/operations/:"
    sed -e "s|$work/generated|<regenerated>|g" -e 's/^/  /' "$work/files"
    if [ -f client/generated/persisted-documents.json ] && [ -f "$work/generated/persisted-documents.json" ]; then
      diff -u client/generated/persisted-documents.json "$work/generated/persisted-documents.json" \
        --label committed --label regenerated | cut -c1-200 | head -n 30 || true
    fi
    echo "Run: npm run codegen   (and commit client/generated/, persisted-documents.json included)"
  } >&2
  exit 1
fi
echo "client/generated/ is up to date"

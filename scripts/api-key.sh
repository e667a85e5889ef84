#!/usr/bin/env bash
# `make api-key NAME=ops SCOPES=admin`: creates an API key straight in DATABASE_URL (from the environment or .env,
# as `make dev` sees it) and prints it once on stdout. Needs no running API, so it makes the first admin key.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/load-env.sh
load_env .env
exec node --import tsx apps/cli/src/main.ts keys create "$@"

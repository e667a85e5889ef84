#!/usr/bin/env bash
# `make workflows|trigger|steps|cron-preview|requeue|api-key`: the switchyard command line with .env loaded, as
# `make dev` sees it (API_URL, API_TOKENS, DATABASE_URL, REDIS_URL).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/load-env.sh
load_env .env
exec node --import tsx apps/cli/src/main.ts "$@"

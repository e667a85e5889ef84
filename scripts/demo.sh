#!/usr/bin/env bash
# `make demo`: from a fresh clone to a workflow run you can watch. On the first run writes .env (a SECRET_KEY and
# the dashboards' sign-in, scripts/demo-env.sh), installs the dependencies, starts Postgres and Redis if needed,
# migrates, runs api + worker + beat (as `make dev` does), walks through the HTTP API (scripts/demo.ts) and then
# keeps the three running until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/demo-env.sh
. scripts/load-env.sh
load_env .env

# The Prisma CLI resolves env("DATABASE_URL") in the schema; unset, it falls back to downloading a query engine.
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/switchyard}"

# Runs a step quietly, showing its output only when it fails.
step() {
  local what="$1" log
  shift
  echo "demo: $what"
  log="$(mktemp)"
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "demo: $what failed" >&2
    exit 1
  fi
  rm -f "$log"
}

step "installing dependencies" npm install --no-audit --no-fund --no-progress
step "generating the Prisma client" npm run --silent generate
bash scripts/services.sh
step "applying migrations" npm run --silent migrate

port="${PORT:-8000}"
if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "demo: something already listens on port $port: stop it (or set PORT and API_URL) and run make demo again" >&2
  exit 1
fi

bash scripts/dev.sh &
dev=$!
stop_dev() {
  trap - INT TERM
  kill -TERM "$dev" 2>/dev/null || true
  wait "$dev" 2>/dev/null || true
}
# The services run in the background of this script: its own Ctrl-C is what stops them.
trap 'stop_dev; exit 0' INT TERM

if ! node --import tsx scripts/demo.ts; then
  stop_dev
  exit 1
fi
echo "demo: api, worker and beat keep running (the cron trigger fires every 5 minutes); Ctrl-C stops them"
wait "$dev" || true

#!/usr/bin/env bash
# Makes sure the Postgres and Redis named by DATABASE_URL and REDIS_URL answer, starting local ones when they do
# not, then creates the database if it is missing. Idempotent; never stops anything.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/load-env.sh
load_env .env

DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/switchyard}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
DATA_DIR="$PWD/.data"
INSTALL_HINT="Debian/Ubuntu: apt-get install -y postgresql redis-server"

say() { printf 'services: %s\n' "$*"; }
die() { printf 'services: %s\n' "$*" >&2; exit 1; }
is_local() { [[ -z "$1" || "$1" == "localhost" || "$1" == "127.0.0.1" || "$1" == "::1" || "$1" == "[::1]" ]]; }

# postgresql://[user[:password]@][host][:port][/database][?params]
[[ "$DATABASE_URL" =~ ^postgres(ql)?://(([^:@/]*)(:([^@/]*))?@)?(\[[^]]*\]|[^:/?]*)(:([0-9]+))?(/([^?]*))?(\?.*)?$ ]] ||
  die "DATABASE_URL is not a postgresql:// URL: $DATABASE_URL"
PG_USER="${BASH_REMATCH[3]:-postgres}"
PG_HOST="${BASH_REMATCH[6]}"
PG_PORT="${BASH_REMATCH[8]:-5432}"
PG_DB="${BASH_REMATCH[10]:-$PG_USER}"
PG_QUERY="${BASH_REMATCH[11]}"
# The same server and credentials, database `postgres`: where the check and CREATE DATABASE run.
PG_ADMIN_URL="postgresql://${BASH_REMATCH[2]}$PG_HOST${BASH_REMATCH[7]}/postgres$PG_QUERY"

# redis://[user[:password]@][host][:port][/db]
[[ "$REDIS_URL" =~ ^rediss?://([^@/]*@)?(\[[^]]*\]|[^:/?]*)(:([0-9]+))?(/.*)?$ ]] ||
  die "REDIS_URL is not a redis:// URL: $REDIS_URL"
REDIS_HOST="${BASH_REMATCH[2]:-127.0.0.1}"
REDIS_PORT="${BASH_REMATCH[4]:-6379}"

pg_answers() { pg_isready -q -d "$PG_ADMIN_URL" >/dev/null 2>&1; }

wait_for() {
  local what="$1" check="$2" i
  for ((i = 0; i < 60; i++)); do
    if "$check"; then return 0; fi
    sleep 0.5
  done
  die "$what did not answer within 30 seconds"
}

# A Debian cluster ("pg_ctlcluster <version> main") listening on the URL's port, if one is installed.
debian_cluster() {
  local conf version port
  command -v pg_ctlcluster >/dev/null 2>&1 || return 1
  for conf in /etc/postgresql/*/main/postgresql.conf; do
    [[ -f "$conf" ]] || continue
    version="$(basename "$(dirname "$(dirname "$conf")")")"
    port="$(sed -n 's/^[[:space:]]*port[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p' "$conf" | tail -n 1)"
    if [[ "${port:-5432}" == "$PG_PORT" ]]; then
      echo "$version"
      return 0
    fi
  done
  return 1
}

# Runs a Postgres server binary as a user it accepts (initdb and postgres refuse to run as root).
as_pg_owner() {
  if [[ "$(id -u)" != 0 ]]; then
    "$@"
  elif id postgres >/dev/null 2>&1; then
    chown -R postgres "$DATA_DIR/postgres" "$DATA_DIR/postgres.log" 2>/dev/null || true
    runuser -u postgres -- "$@"
  else
    die "running as root without a 'postgres' system user: run this script as an ordinary user"
  fi
}

start_private_postgres() {
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [[ -n "$bin" && -x "$bin/initdb" && -x "$bin/pg_ctl" ]] ||
    die "Postgres does not answer at ${PG_HOST:-localhost}:$PG_PORT and its server is not installed ($INSTALL_HINT)"
  mkdir -p "$DATA_DIR/postgres"
  touch "$DATA_DIR/postgres.log"
  if [[ ! -f "$DATA_DIR/postgres/PG_VERSION" ]]; then
    say "creating a private Postgres cluster in .data/postgres (superuser $PG_USER, trust auth on loopback)"
    as_pg_owner "$bin/initdb" -D "$DATA_DIR/postgres" -U "$PG_USER" --auth=trust -E UTF8 >/dev/null
  fi
  say "starting Postgres from .data/postgres on 127.0.0.1:$PG_PORT"
  as_pg_owner "$bin/pg_ctl" -D "$DATA_DIR/postgres" -l "$DATA_DIR/postgres.log" -w -s \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $DATA_DIR/postgres" start
}

ensure_postgres() {
  command -v pg_isready >/dev/null 2>&1 || die "the Postgres client tools are missing ($INSTALL_HINT)"
  if pg_answers; then
    say "Postgres answers at ${PG_HOST:-localhost}:$PG_PORT"
    return 0
  fi
  is_local "$PG_HOST" || die "Postgres does not answer at $PG_HOST:$PG_PORT, which is not this machine: start it there"
  local version
  if version="$(debian_cluster)"; then
    say "starting the Debian Postgres cluster $version/main"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
  else
    start_private_postgres
  fi
  wait_for "Postgres" pg_answers
}

database_exists() {
  # psql interpolates :'db' (a quoted literal) only in input it reads, never in -c.
  psql "$PG_ADMIN_URL" -XtAq -v ON_ERROR_STOP=1 -v db="$PG_DB" <<<"SELECT 1 FROM pg_database WHERE datname = :'db'" |
    grep -q 1
}

ensure_database() {
  command -v psql >/dev/null 2>&1 || die "psql is missing ($INSTALL_HINT)"
  database_exists && return 0
  say "creating database $PG_DB"
  # Two runs racing to create it are fine: the loser finds it there.
  psql "$PG_ADMIN_URL" -Xq -v ON_ERROR_STOP=1 -v db="$PG_DB" <<<'CREATE DATABASE :"db"' 2>/dev/null ||
    database_exists || die "could not create database $PG_DB"
}

redis_answers() {
  local reply
  reply="$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>&1 || true)"
  # A server that wants a password still answers.
  [[ "$reply" == PONG* || "$reply" == *NOAUTH* ]]
}

ensure_redis() {
  command -v redis-cli >/dev/null 2>&1 || die "redis-cli is missing ($INSTALL_HINT)"
  if redis_answers; then
    say "Redis answers at $REDIS_HOST:$REDIS_PORT"
    return 0
  fi
  is_local "$REDIS_HOST" || die "Redis does not answer at $REDIS_HOST:$REDIS_PORT, which is not this machine: start it there"
  command -v redis-server >/dev/null 2>&1 ||
    die "Redis does not answer at $REDIS_HOST:$REDIS_PORT and redis-server is not installed ($INSTALL_HINT)"
  mkdir -p "$DATA_DIR/redis"
  say "starting Redis on 127.0.0.1:$REDIS_PORT (nothing kept on disk; logs in .data/redis/redis.log)"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir "$DATA_DIR/redis" --logfile "$DATA_DIR/redis/redis.log"
  wait_for "Redis" redis_answers
}

ensure_postgres
ensure_database
ensure_redis

#!/usr/bin/env bash
# Start a throw-away PostgreSQL server for the tests on 127.0.0.1 and print its SQLAlchemy URL.
#
# Installs PostgreSQL from the Debian packages if it is missing, creates (once) a cluster in
# $SITING_PG_DATA (default /tmp/siting-pg), starts it on 127.0.0.1:$SITING_PG_PORT (default 5433),
# creates the role and database, and prints the URL as the LAST line of stdout (all else goes to
# stderr).  Non-interactive; any failure ends the script with a non-zero status and the server log.
#
#   export SITING_TEST_DATABASE_URL="$(bash scripts/start-postgres.sh)"
#   bash scripts/start-postgres.sh --stop      # stop the server again
set -euo pipefail

PORT="${SITING_PG_PORT:-5433}"
DATA="${SITING_PG_DATA:-/tmp/siting-pg}"
DB="${SITING_PG_DB:-siting_test}"
ROLE="${SITING_PG_USER:-siting}"
PASSWORD="${SITING_PG_PASSWORD:-siting}"

log() { echo "start-postgres: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

BIN="$(find_bin || true)"
if [ -z "$BIN" ] || [ ! -x "$BIN/pg_ctl" ]; then
  [ "$(id -u)" = 0 ] || die "PostgreSQL is not installed and we are not root to apt-get install it"
  log "installing postgresql from the Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >&2 || die "apt-get update failed"
  apt-get install -y --no-install-recommends postgresql >&2 || die "apt-get install postgresql failed"
  BIN="$(find_bin || true)"
  [ -n "$BIN" ] && [ -x "$BIN/pg_ctl" ] || die "postgresql installed but pg_ctl not found"
fi

# The server refuses to run as root: run server-side commands as the postgres user.
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || die "user 'postgres' does not exist (the Debian package creates it)"
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi

if [ "${1:-}" = "--stop" ]; then
  as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >&2 || true
  exit 0
fi

if [ ! -f "$DATA/PG_VERSION" ]; then
  log "creating a cluster in $DATA"
  mkdir -p "$DATA"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$DATA"; fi
  chmod 700 "$DATA"
  # Local socket: trust (only reachable by the postgres user, socket in $DATA); TCP: password.
  as_pg "$BIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C \
    --auth-local=trust --auth-host=scram-sha-256 >&2 || die "initdb failed"
fi

if as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  log "server already running in $DATA"
else
  log "starting the server on 127.0.0.1:$PORT"
  if ! as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DATA" start >&2; then
    cat "$DATA/server.log" >&2 || true
    die "the server did not start"
  fi
fi

psql_pg() { as_pg "$BIN/psql" -h "$DATA" -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }

if [ "$(psql_pg -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != "1" ]; then
  psql_pg -c "CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD'" >&2 || die "cannot create role $ROLE"
fi
if [ "$(psql_pg -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != "1" ]; then
  psql_pg -c "CREATE DATABASE $DB OWNER $ROLE" >&2 || die "cannot create database $DB"
fi

URL="postgresql+psycopg://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"
# Check the URL really works over TCP with the password before handing it out.
PGPASSWORD="$PASSWORD" "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U "$ROLE" -d "$DB" -qtA -c "SELECT 1" \
  >/dev/null || die "cannot connect as $ROLE over TCP"
log "ready: $URL"
export SITING_TEST_DATABASE_URL="$URL"
echo "$URL"

#!/bin/sh
# Entrypoint of the local stand-in for the official postgres image (built by
# scripts/standin-images.sh from Debian's postgresql where no registry can be reached). Like the
# official docker-entrypoint.sh it reads POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB, creates
# the cluster in $PGDATA on first start, takes "-c name=value" arguments for the server, runs it as
# the postgres user, and listens on every address with scram-sha-256 over TCP (trust on the socket).
set -e
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
export PGDATA="${PGDATA:-/var/lib/postgresql/data}"
case "$1" in -*) set -- postgres "$@" ;; esac # options only: they are the server's
[ "$1" = postgres ] || exec "$@"
shift
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" postgres "$@"
fi
POSTGRES_USER="${POSTGRES_USER:-postgres}"
POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
if [ -z "$POSTGRES_PASSWORD" ]; then
  echo "POSTGRES_PASSWORD is not set (the official image refuses to start without it too)" >&2
  exit 1
fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  password_file=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$password_file"
  "$PGBIN/initdb" -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$password_file" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$password_file"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  if [ "$POSTGRES_DB" != postgres ]; then
    echo "CREATE DATABASE \"$POSTGRES_DB\";" | "$PGBIN/postgres" --single -D "$PGDATA" -j postgres >/dev/null
  fi
  echo "PostgreSQL init process complete; ready for start up."
fi
exec "$PGBIN/postgres" -D "$PGDATA" -c listen_addresses='*' "$@"

#!/bin/sh
# Stand-in for the official postgres image: Debian's PostgreSQL 15 with the
# image's contract. POSTGRES_PASSWORD, POSTGRES_USER (default postgres),
# POSTGRES_DB (default: the user) and PGDATA (default
# /var/lib/postgresql/data); on an empty data folder it runs initdb
# (scram-sha-256 over TCP), creates the database, runs
# /docker-entrypoint-initdb.d/*.sql and *.sh in order with ON_ERROR_STOP
# (a failing script ends the container with its error), all on a private
# socket; only then does it listen on TCP. Arguments: `postgres -c ...` or
# bare flags, as with the image.
set -eu
bin=/usr/lib/postgresql/15/bin
export PGDATA="${PGDATA:-/var/lib/postgresql/data}"
user="${POSTGRES_USER:-postgres}"
db="${POSTGRES_DB:-$user}"
if [ "${1:-}" = postgres ]; then shift; fi
as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }
mkdir -p "$PGDATA" /run/postgresql /tmp/pg-init
chown -R postgres:postgres "$PGDATA" /run/postgresql /tmp/pg-init
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?the postgres image needs POSTGRES_PASSWORD}"
  printf '%s\n' "$POSTGRES_PASSWORD" > /tmp/pg-init/pw
  chown postgres /tmp/pg-init/pw
  as_pg "$bin/initdb" --username="$user" --pwfile=/tmp/pg-init/pw \
    --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f /tmp/pg-init/pw
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  # Initialise on a private socket only: nothing outside sees a half-made database.
  as_pg "$bin/pg_ctl" -D "$PGDATA" -w -o "-c listen_addresses='' -k /tmp/pg-init" start >/dev/null
  psql() { as_pg "$bin/psql" -h /tmp/pg-init -U "$user" -v ON_ERROR_STOP=1 --no-psqlrc "$@"; }
  if [ "$db" != postgres ]; then psql -d postgres -qc "CREATE DATABASE \"$db\""; fi
  for f in /docker-entrypoint-initdb.d/*; do
    [ -e "$f" ] || continue
    case "$f" in
      *.sql) echo "running $f"; psql -d "$db" -q -f "$f" ;;
      *.sh) echo "running $f"; . "$f" ;;
      *) echo "ignoring $f" ;;
    esac
  done
  as_pg "$bin/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
  echo "PostgreSQL init process complete; ready for start up."
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups -- "$bin/postgres" -D "$PGDATA" "$@"

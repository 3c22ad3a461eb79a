# Sourced by scripts/test.sh and scripts/bench.sh: starts a throwaway PostgreSQL cluster on 127.0.0.1:$PGPORT in
# $SCRATCH/pg, exports VERITY_TEST_POSTGRES, and stops it (and removes $SCRATCH) when the calling script exits.
if [ "$(id -u)" = 0 ]; then
  echo "== installing PostgreSQL (apt)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "PostgreSQL server binaries not found: run as root, or 'apt-get install postgresql'." >&2
  exit 1
fi

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/verity-run.XXXXXX")
PGD="$SCRATCH/pg"
PGPORT=${VERITY_PGPORT:-55432}
mkdir -p "$PGD"
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$1"; else sh -c "$1"; fi; }
[ "$(id -u)" = 0 ] && chown -R postgres:postgres "$SCRATCH"
stop_pg() { as_pg "$PGBIN/pg_ctl -D $PGD/data -m fast -w stop" >/dev/null 2>&1 || true; rm -rf "$SCRATCH"; }
trap stop_pg EXIT

echo "== starting PostgreSQL on 127.0.0.1:$PGPORT"
as_pg "$PGBIN/initdb -D $PGD/data -U postgres -A trust -E UTF8 --locale=C.UTF-8" >/dev/null
as_pg "$PGBIN/pg_ctl -D $PGD/data -l $PGD/server.log -o \"-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGD -c shared_buffers=512MB -c max_connections=200\" -w start" >/dev/null
export VERITY_TEST_POSTGRES="Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=postgres"

#!/usr/bin/env bash
# Runs the whole Verity test suite on a fresh Debian 12 machine (as root) or a developer box:
# installs PostgreSQL, starts a throwaway cluster on 127.0.0.1, runs every test project, stops the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDDISABLENODEREUSE=1

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

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/verity-test.XXXXXX")
PGD="$SCRATCH/pg"
PGPORT=${VERITY_TEST_PGPORT:-55432}
mkdir -p "$PGD"
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$1"; else sh -c "$1"; fi; }
[ "$(id -u)" = 0 ] && chown -R postgres:postgres "$SCRATCH"
stop_pg() { as_pg "$PGBIN/pg_ctl -D $PGD/data -m fast -w stop" >/dev/null 2>&1 || true; rm -rf "$SCRATCH"; }
trap stop_pg EXIT

echo "== starting PostgreSQL on 127.0.0.1:$PGPORT"
as_pg "$PGBIN/initdb -D $PGD/data -U postgres -A trust -E UTF8 --locale=C.UTF-8" >/dev/null
as_pg "$PGBIN/pg_ctl -D $PGD/data -l $PGD/server.log -o \"-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGD -c shared_buffers=512MB -c max_connections=200\" -w start" >/dev/null
export VERITY_TEST_POSTGRES="Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=postgres"

echo "== dotnet test"
RESULTS="$SCRATCH/results"
status=0
dotnet test Verity.slnx -c Release -p:UseSharedCompilation=false --logger "trx" --results-directory "$RESULTS" || status=$?

# One plain closing line for CI: totals over every test project.
python3 - "$RESULTS" <<'PY' || true
import glob, sys, xml.etree.ElementTree as ET
passed = failed = skipped = 0
for f in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(f).getroot().find("{*}ResultSummary/{*}Counters")
    if c is None: continue
    passed += int(c.get("passed", 0)); failed += int(c.get("failed", 0)) + int(c.get("error", 0)); skipped += int(c.get("notExecuted", 0))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status

#!/usr/bin/env bash
# Runs the whole Verity test suite on a fresh Debian 12 machine (as root) or a developer box:
# installs PostgreSQL and Chromium, starts a throwaway cluster on 127.0.0.1, runs every test project, stops the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDDISABLENODEREUSE=1
. scripts/postgres.sh   # as root, also runs apt-get update

# The admin-center tests drive Debian's Chromium with Playwright (no browser download).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "== installing Chromium (apt)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "/usr/bin/chromium is missing: run as root, or 'apt-get install chromium'." >&2
    exit 1
  fi
fi

echo "== dotnet test"
RESULTS="$SCRATCH/results"
status=0
# A test that hangs fails after 15 minutes (with a dump) instead of holding CI to its limit.
dotnet test Verity.slnx -c Release -p:UseSharedCompilation=false --logger "trx" --results-directory "$RESULTS" --blame-hang-timeout 15m || status=$?

# One plain closing line for CI: totals over every test project (from the TRX files; no tools beyond grep/sed).
passed=0; failed=0; skipped=0
for trx in "$RESULTS"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { v=$(echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"); echo "${v:-0}"; }
  passed=$((passed + $(get passed))); failed=$((failed + $(get failed) + $(get error))); skipped=$((skipped + $(get notExecuted)))
done
echo "$passed passed, $failed failed, $skipped skipped"
exit $status

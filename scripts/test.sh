#!/usr/bin/env bash
# Runs the whole Verity test suite on a fresh Debian 12 machine (as root) or a developer box:
# installs PostgreSQL, starts a throwaway cluster on 127.0.0.1, runs every test project, stops the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDDISABLENODEREUSE=1
. scripts/postgres.sh

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

#!/usr/bin/env bash
# Whole-system benchmark: a throwaway PostgreSQL, a Release build, then bench/Verity.Load on SQLite and PostgreSQL
# with raw-driver baselines in the same run. Extra arguments go to the load tool (e.g. --seconds 20 --concurrency 256;
# --rate 5000 makes the measured window an open loop offering 5,000 requests/s).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDDISABLENODEREUSE=1
. scripts/postgres.sh
dotnet build -c Release -p:UseSharedCompilation=false src/Verity.Server >/dev/null
dotnet build -c Release -p:UseSharedCompilation=false bench/Verity.Load >/dev/null
dotnet bench/Verity.Load/bin/Release/net10.0/Verity.Load.dll --engine both --postgres "$VERITY_TEST_POSTGRES" "$@"

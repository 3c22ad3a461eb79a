#!/usr/bin/env bash
# Interleaved A/B of server builds on the write benchmark. This box's speed drifts by tens of percent over an hour
# (docs/benchmarks.md, session 10), so two builds are only comparable run against run, in alternation.
#
#   scripts/ab.sh <engine> <concurrency> <rounds> <build dir>[,VAR=value…] <build dir>[,VAR=value…] …
#
# A build dir holds a Release Verity.Server.dll (e.g. a copy of src/Verity.Server/bin/Release/net10.0); VAR=value
# pairs are set for that run only (load tool and server). For postgres, VERITY_TEST_POSTGRES names a server where
# databases may be created. SECONDS_PER_RUN (default 10) is each scenario's measured window; SCENARIOS picks the load
# tool's write scenarios (default: all of them).
set -euo pipefail
if [ $# -lt 4 ]; then
  sed -n '2,10p' "$0" >&2
  exit 2
fi
engine=$1 concurrency=$2 rounds=$3
shift 3
cd "$(dirname "$0")/.."
dotnet build -c Release -p:UseSharedCompilation=false bench/Verity.Load >/dev/null
for round in $(seq "$rounds"); do
  for spec in "$@"; do
    IFS=, read -ra parts <<< "$spec"
    dir=${parts[0]}
    env "${parts[@]:1}" dotnet bench/Verity.Load/bin/Release/net10.0/Verity.Load.dll --engine "$engine" \
      --postgres "${VERITY_TEST_POSTGRES:-}" --seconds "${SECONDS_PER_RUN:-10}" --concurrency "$concurrency" \
      --server "$dir/Verity.Server.dll" ${SCENARIOS:+--scenarios "$SCENARIOS"} 2>&1 \
      | grep -E "^\| $engine \| (PATCH|POST)" | sort -u | sed "s#^#$(date -u +%H:%M) round $round $spec #"
  done
done

#!/usr/bin/env bash
# Retakes the admin-center screenshots in docs/screenshots (linked from the README) by running the browser tests
# with VERITY_SCREENSHOTS set. Needs /usr/bin/chromium (apt-get install chromium); no PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDDISABLENODEREUSE=1
mkdir -p docs/screenshots
VERITY_SCREENSHOTS="$PWD/docs/screenshots" dotnet test tests/Verity.Server.Tests -c Release -p:UseSharedCompilation=false \
  --filter "FullyQualifiedName~Verity.Server.Tests.AdminCenter"
ls -1 docs/screenshots

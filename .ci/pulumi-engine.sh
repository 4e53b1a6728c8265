#!/usr/bin/env bash
# CI: the real-engine tests (test/engine/README.md). Builds the Pulumi CLI and Node.js language
# host from their Go modules, or reuses the cached build, puts them on PATH and runs
# `npm run test:engine`. The last line is that suite's `N passed, N failed`, for .ci/run to add up.
set -euo pipefail
cd "$(dirname "$0")/.."

go version
# A cold build is long on 2 cores; bounded so a hung download cannot take CI's whole 90 minutes.
bin=$(timeout 3000 test/engine/build-pulumi.sh | tail -n 1)
cat "$(dirname "$bin")/build.json" >&2
export PATH="$bin:$PATH" PULUMI_ENGINE_BIN="$bin"

log=$(mktemp)
status=0
# The suite's own closing line is held back and printed once, last.
timeout 2400 npm run -s test:engine 2>&1 | tee "$log" | grep --line-buffered -v -E '^[0-9]+ passed, [0-9]+ failed' || status=$?
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 || true)
rm -f "$log"
# A run that died before mocha's summary still counts as a failure.
echo "${summary:-0 passed, 1 failed}"
exit "$status"

#!/usr/bin/env bash
# Runs the test command while busy loops occupy every core, to find tests that depend on timing.
#   scripts/test-under-load.sh [runs]   (default 1; prints each run's wall time)
set -uo pipefail
cd "$(dirname "$0")/.."
runs="${1:-1}"
hogs=()
for _ in $(seq "$(nproc)"); do
  node -e 'for (;;) {}' &
  hogs+=("$!")
done
trap 'kill "${hogs[@]}" 2>/dev/null' EXIT
status=0
for run in $(seq "$runs"); do
  started=$(date +%s)
  if npm test; then result=passed; else result=FAILED; status=1; fi
  echo "test run ${run}/${runs} under load: ${result} in $(($(date +%s) - started)) s"
done
exit "$status"

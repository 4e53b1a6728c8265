# Sourced by .ci/run: runs each test suite, takes the last `N passed, N failed` line it prints, and
# closes the CI run with ONE such line summing them all. A suite is one line in .ci/run:
#   suite "<name>" <command> [args...]
# A suite that ends without a summary line (it crashed, or a step before its tests failed) counts
# as 1 failed; so does one that exits non-zero although its line says 0 failed.
# shellcheck shell=bash

SUITES_PASSED=0
SUITES_FAILED=0
SUITES_SKIPPED=0
SUITES_REPORT=()
SUITES_STARTED=$SECONDS
SUITES_LOGS=$(mktemp -d "${TMPDIR:-/tmp}/trail-lab-ci.XXXXXX")

# The plain closing line, optionally after one word and a colon (as CI reads it).
SUITES_LINE='^([A-Za-z0-9_-]+: )?[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$'

suite() {
  local name=$1
  shift
  local log="$SUITES_LOGS/${#SUITES_REPORT[@]}.log"
  local started=$SECONDS code line passed=0 failed=1 skipped=0
  echo "::: suite $name: $*"
  set +e
  "$@" 2>&1 | tee "$log"
  code=${PIPESTATUS[0]}
  set -e
  # Colour codes and carriage returns would hide the line from the pattern.
  line=$(sed -e 's/\x1b\[[0-9;]*m//g' -e 's/\r$//' "$log" | grep -E "$SUITES_LINE" | tail -n 1 || true)
  if [ -n "$line" ]; then
    line=${line#*: }
    passed=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
    failed=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
    if [[ $line == *skipped ]]; then skipped=$(sed -E 's/.* ([0-9]+) skipped$/\1/' <<<"$line"); fi
    if [ "$code" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; line="$line, and exit code $code"; fi
  else
    line="no summary line, exit code $code: counted as 1 failed"
  fi
  SUITES_PASSED=$((SUITES_PASSED + passed))
  SUITES_FAILED=$((SUITES_FAILED + failed))
  SUITES_SKIPPED=$((SUITES_SKIPPED + skipped))
  SUITES_REPORT+=("$name ($(suites_elapsed "$started")): $line")
}

suites_elapsed() {
  local s=$((SECONDS - $1))
  printf '%dm%02ds' $((s / 60)) $((s % 60))
}

# Prints each suite's result, then the one closing line; exits non-zero when anything failed.
suites_total() {
  echo
  echo "::: suites, $(suites_elapsed "$SUITES_STARTED") in all"
  local entry
  for entry in "${SUITES_REPORT[@]}"; do echo "  $entry"; done
  rm -rf "$SUITES_LOGS"
  local skipped=""
  if [ "$SUITES_SKIPPED" -gt 0 ]; then skipped=", $SUITES_SKIPPED skipped"; fi
  echo "$SUITES_PASSED passed, $SUITES_FAILED failed$skipped"
  [ "$SUITES_FAILED" -eq 0 ]
}

#!/usr/bin/env bash
# The test command: builds MFlow.sln and runs every test project against a throwaway RabbitMQ and
# PostgreSQL (scripts/test-servers.sh), then prints, as the very last line,
#   N passed, N failed, N skipped
# summed over all test projects. Exits non-zero if a test failed, the build or the run failed, or
# no test results were produced.
#
#   scripts/test.sh [dotnet test arguments...]     e.g. scripts/test.sh --filter "FullyQualifiedName~Saga"
#
# Environment:
#   CONFIGURATION            build configuration (default Release)
#   MFLOW_TEST_RESULTS_DIR   where the TRX files go (default <repo>/TestResults)
#   MFLOW_TEST_HANG_TIMEOUT  a test running longer than this aborts its test host (default 20m)
#   MFLOW_TEST_PG_BIN        PostgreSQL's bin directory (default: the newest /usr/lib/postgresql/*/bin)
#
# On a machine without the servers it installs them when run as root (Debian: rabbitmq-server,
# postgresql, ansible, procps); otherwise it says what to install.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFIGURATION="${CONFIGURATION:-Release}"
RESULTS_DIR="${MFLOW_TEST_RESULTS_DIR:-$ROOT/TestResults}"
HANG_TIMEOUT="${MFLOW_TEST_HANG_TIMEOUT:-20m}"
SERVERS="$ROOT/scripts/test-servers.sh"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { echo "test.sh: $*" >&2; }

PASSED=0
FAILED=0
SKIPPED=0
STATE_DIR=""

# dotnet runs in the background and is waited for: a signal sent to this script alone (a CI job
# being cancelled) then runs the traps at once instead of after dotnet has finished.
CHILD=""
run() {
  "$@" </dev/null &
  CHILD=$!
  local status=0
  wait "$CHILD" || status=$?
  CHILD=""
  return "$status"
}

# A process and all its descendants, parents first.
process_tree() {
  local child
  echo "$1"
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null || true); do
    process_tree "$child"
  done
}

# Runs on every exit (success, failure, Ctrl-C): stop dotnet if it still runs, then the servers,
# so that the totals line really is the last line of the output.
finish() {
  local status=$? pids pid attempt
  trap - EXIT INT TERM
  if [[ -n "$CHILD" ]] && kill -0 "$CHILD" 2>/dev/null; then
    say "stopping dotnet (pid $CHILD)"
    # The tree is listed before signalling: once dotnet exits, its children are no longer its own.
    pids=$(process_tree "$CHILD")
    for pid in $pids; do kill -TERM "$pid" 2>/dev/null || true; done
    for attempt in $(seq 1 20); do
      kill -0 "$CHILD" 2>/dev/null || break
      sleep 0.1
    done
    for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
  fi
  if [[ -f "$STATE_DIR/servers.state" ]]; then
    "$SERVERS" stop "$STATE_DIR" || say "stopping the test servers failed (state in $STATE_DIR)"
  elif [[ -n "$STATE_DIR" ]]; then
    rm -rf "$STATE_DIR"
  fi
  # A run that failed before or around the tests (a build error, no results) is never reported as
  # "0 failed": whoever reads only this line must see that it failed.
  if ((status != 0 && FAILED == 0)); then
    say "the run failed (exit status $status) without a failed test recorded; counted as 1 failed"
    FAILED=1
  fi
  echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
  exit "$status"
}
trap finish EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM

# --- prerequisites ----------------------------------------------------------------------------

# shellcheck source=scripts/prerequisites.sh
source "$ROOT/scripts/prerequisites.sh"
ensure_prerequisites test.sh rabbitmq-server postgresql ansible procps

# --- build (before the servers: a broken build needs none) -------------------------------------

cd "$ROOT"
say "building MFlow.sln ($CONFIGURATION)"
run dotnet build MFlow.sln -c "$CONFIGURATION"

# --- servers ----------------------------------------------------------------------------------

STATE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/mflow-test.XXXXXX")"
"$SERVERS" start "$STATE_DIR"
eval "$("$SERVERS" env "$STATE_DIR")"

# --- test -------------------------------------------------------------------------------------

# Only this run's results count: the default directory is ours to empty; in one given through
# MFLOW_TEST_RESULTS_DIR only old TRX files are removed.
if [[ -z "${MFLOW_TEST_RESULTS_DIR:-}" ]]; then rm -rf "$RESULTS_DIR"; fi
mkdir -p "$RESULTS_DIR"
find "$RESULTS_DIR" -name '*.trx' -delete

say "testing MFlow.sln ($CONFIGURATION); results in $RESULTS_DIR"
test_status=0
# The hang timeout keeps a stuck test from eating the CI budget: its test host is aborted and the
# tests it had not finished count as failed.
run dotnet test MFlow.sln -c "$CONFIGURATION" --no-build \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$RESULTS_DIR" \
  --blame-hang-timeout "$HANG_TIMEOUT" --blame-hang-dump-type none \
  "$@" || test_status=$?

# --- totals from the TRX files (no python: grep/sed/awk) ----------------------------------------

counter() { sed -n "s/.*[[:space:]]$1=\"\([0-9]*\)\".*/\1/p" <<<"$2"; }

trx_count=0
while IFS= read -r -d '' trx; do
  trx_count=$((trx_count + 1))
  flat="$(tr '\r\n' '  ' <"$trx")"
  counters="$(grep -o '<Counters [^>]*>' <<<"$flat" | head -n 1 || true)"
  if [[ -z "$counters" ]]; then
    say "no <Counters> in $trx"
    ((test_status != 0)) || test_status=1
    continue
  fi
  failed_here=0
  for name in failed error timeout aborted; do
    value="$(counter "$name" "$counters")"
    failed_here=$((failed_here + ${value:-0}))
  done
  value="$(counter passed "$counters")"
  PASSED=$((PASSED + ${value:-0}))
  SKIPPED=$((SKIPPED + $(grep -o '<UnitTestResult [^>]*>' <<<"$flat" | grep -c 'outcome="NotExecuted"' || true)))
  # A test host that crashed or was aborted by the hang timeout leaves a run marked Failed whose
  # unfinished test is in no counter: count it, or the totals would claim that nothing failed.
  outcome="$(grep -o '<ResultSummary [^>]*>' <<<"$flat" | sed -n 's/.*outcome="\([A-Za-z]*\)".*/\1/p')"
  if [[ "$outcome" != Completed && "$outcome" != Passed && "$failed_here" == 0 ]]; then
    say "$(basename "$trx"): the test run ended as '$outcome' with no failed test recorded" \
      "(test host crashed or hung; see 'The test running when the crash occurred' above); counted as 1 failed"
    failed_here=1
  fi
  FAILED=$((FAILED + failed_here))
done < <(find "$RESULTS_DIR" -name '*.trx' -print0)

if ((trx_count == 0)); then
  say "dotnet test produced no TRX file in $RESULTS_DIR"
  exit 1
fi
if ((test_status != 0)); then
  say "dotnet test exited with $test_status"
  exit "$test_status"
fi
if ((FAILED > 0)); then
  exit 1
fi
exit 0

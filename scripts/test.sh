#!/usr/bin/env bash
# The test command: builds MFlow.sln and runs every test project (the integration tests start their
# RabbitMQ and PostgreSQL containers through Testcontainers), then prints, as the very last line,
#   N passed, N failed, N skipped
# summed over all test projects. Exits non-zero if a test failed, the build or the run failed, or
# no test results were produced.
#
#   scripts/test.sh [dotnet test arguments...]     e.g. scripts/test.sh --filter "FullyQualifiedName~Saga"
#   scripts/test.sh --compose-smoke [...]           also run scripts/compose-smoke.sh after the tests (builds
#                                                   MFlow's images, brings compose up, runs a pipeline; several
#                                                   minutes), counted as one more test in the totals
#
# Environment:
#   CONFIGURATION            build configuration (default Release)
#   MFLOW_TEST_RESULTS_DIR   where the TRX files go (default <repo>/TestResults)
#   MFLOW_TEST_HANG_TIMEOUT  a test running longer than this aborts its test host (default 20m)
#   MFLOW_TEST_RABBITMQ_IMAGE, MFLOW_TEST_POSTGRES_IMAGE
#                            the images the tests start (default: the official ones if the engine has
#                            or can pull them, else local stand-ins: scripts/standin-images.sh)
#   DOCKER_HOST              a container engine to use as it is (default: Docker's socket if a daemon
#                            answers there, else podman: scripts/container-engine.sh)
#
# On a fresh machine, as root, it installs what is missing with apt-get (ansible, procps, chromium; podman, runc,
# curl and debootstrap when there is no Docker) and builds the stand-in images once (about 2 minutes);
# otherwise it says what to install. Containers it started are removed on every exit, Ctrl-C and
# SIGTERM included.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFIGURATION="${CONFIGURATION:-Release}"
RESULTS_DIR="${MFLOW_TEST_RESULTS_DIR:-$ROOT/TestResults}"
HANG_TIMEOUT="${MFLOW_TEST_HANG_TIMEOUT:-20m}"
ENGINE="$ROOT/scripts/container-engine.sh"
# shellcheck source=lib/packages.sh
source "$ROOT/scripts/lib/packages.sh"
# shellcheck source=lib/owned-processes.sh
source "$ROOT/scripts/lib/owned-processes.sh"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { echo "test.sh: $*" >&2; }

PASSED=0
FAILED=0
SKIPPED=0
FAILED_TESTS=() # "message<TAB>name" of each failed test, printed again above the totals
STATE_DIR=""

# dotnet runs in the background and is waited for: a signal sent to this script alone (a CI job
# being cancelled) then runs the traps at once instead of after dotnet has finished.
CHILD=""
# A script that cleans up after itself on SIGTERM (compose-smoke.sh) gets the signal alone and time
# to do so; dotnet gets it with its whole process tree and 2 s.
CHILD_CLEANS_UP=0
IMAGES="" # scripts/standin-images.sh, while it runs in the background
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

# Runs on every exit (success, failure, Ctrl-C, SIGTERM): stop dotnet if it still runs, then the
# service processes and containers it left, so that the totals line really is the last line of the output.
# SIGTERM to a process and all its descendants, SIGKILL to those left after 2 s.
stop_tree() {
  local pids pid attempt
  # The tree is listed before signalling: once dotnet exits, its children are no longer its own.
  pids=$(process_tree "$1")
  for pid in $pids; do kill -TERM "$pid" 2>/dev/null || true; done
  for attempt in $(seq 1 20); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
}

finish() {
  local status=$? attempt
  trap - EXIT INT TERM
  if [[ -n "$CHILD" ]] && kill -0 "$CHILD" 2>/dev/null; then
    say "stopping pid $CHILD"
    if ((CHILD_CLEANS_UP)); then
      kill -TERM "$CHILD" 2>/dev/null || true
      for attempt in $(seq 1 1200); do
        kill -0 "$CHILD" 2>/dev/null || break
        sleep 0.1
      done
    fi
    stop_tree "$CHILD"
  fi
  if [[ -n "$IMAGES" ]] && kill -0 "$IMAGES" 2>/dev/null; then stop_tree "$IMAGES"; fi
  if [[ -n "$STATE_DIR" ]]; then
    kill_owned_processes "$STATE_DIR" test.sh
    "$ENGINE" stop "$STATE_DIR" || say "stopping the container engine failed (state in $STATE_DIR)"
    rm -rf "$STATE_DIR"
  fi
  # A run that failed before or around the tests (a build error, no results) is never reported as
  # "0 failed": whoever reads only this line must see that it failed.
  if ((status != 0 && FAILED == 0)); then
    say "the run failed (exit status $status) without a failed test recorded; counted as 1 failed"
    FAILED=1
  fi
  # CI may keep only the end of the output: the failed tests are named again right above the totals,
  # then each distinct failure message once (a failed fixture fails all its tests with one message),
  # so that the last lines always say why.
  if ((${#FAILED_TESTS[@]} > 0)); then
    say "failed tests:"
    printf '%s\n' "${FAILED_TESTS[@]}" | awk -F '\t' '{ print "  " $2 }' >&2
    say "why they failed (each distinct message once):"
    printf '%s\n' "${FAILED_TESTS[@]}" | awk -F '\t' '
      !($1 in count) { order[++n] = $1; first[$1] = $2 }
      { count[$1]++ }
      END { for (i = 1; i <= n; i++) {
              m = order[i]
              printf "  [%d test%s, e.g. %s] %s\n", count[m], count[m] == 1 ? "" : "s", first[m], m
            } }' >&2
  fi
  echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
  exit "$status"
}
COMPOSE_SMOKE=0
DOTNET_TEST_ARGS=()
for argument in "$@"; do
  if [[ "$argument" == --compose-smoke ]]; then COMPOSE_SMOKE=1; else DOTNET_TEST_ARGS+=("$argument"); fi
done

trap finish EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM

# --- prerequisites ----------------------------------------------------------------------------

# shellcheck source=prerequisites.sh
source "$ROOT/scripts/prerequisites.sh"
# ansible: the vm worker's local executor; procps: ps, for stopping process trees; chromium: the
# browser the dashboard's tests drive (Playwright cannot download its own here)
ensure_prerequisites test.sh ansible procps chromium

# --- container engine, and the images made while the solution builds ----------------------------

cd "$ROOT"
STATE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/mflow-test.XXXXXX")"
"$ENGINE" start "$STATE_DIR"
eval "$("$ENGINE" env "$STATE_DIR")"
# Service processes the tests start carry it (MFLOW_TEST_OWNER), so that finish() finds them.
export MFLOW_TEST_STATE_DIR="$STATE_DIR"
IMAGES=""
if [[ -z "${MFLOW_TEST_RABBITMQ_IMAGE:-}" || -z "${MFLOW_TEST_POSTGRES_IMAGE:-}" ]]; then
  # In the background: on a fresh machine the stand-ins take minutes, mostly downloading and
  # unpacking packages, which compete little with the build's compiling.
  "$ROOT/scripts/standin-images.sh" ensure rabbitmq postgres </dev/null >"$STATE_DIR/images" 2>"$STATE_DIR/images.log" &
  IMAGES=$!
fi

say "building MFlow.sln ($CONFIGURATION)"
run dotnet build MFlow.sln -c "$CONFIGURATION"

if [[ -n "$IMAGES" ]]; then
  started=$SECONDS
  images_status=0
  CHILD=$IMAGES
  wait "$IMAGES" || images_status=$?
  CHILD=""
  IMAGES=""
  cat "$STATE_DIR/images.log" >&2
  ((images_status == 0)) || { say "the test images could not be made (output above)"; exit 1; }
  export MFLOW_TEST_RABBITMQ_IMAGE="${MFLOW_TEST_RABBITMQ_IMAGE:-$(sed -n 1p "$STATE_DIR/images")}"
  export MFLOW_TEST_POSTGRES_IMAGE="${MFLOW_TEST_POSTGRES_IMAGE:-$(sed -n 2p "$STATE_DIR/images")}"
  # Two image references and nothing else: anything that printed to that stdout besides them
  # would otherwise reach every container fixture as an image name.
  for reference in "$MFLOW_TEST_RABBITMQ_IMAGE" "$MFLOW_TEST_POSTGRES_IMAGE"; do
    [[ "$reference" =~ ^[a-z0-9][a-z0-9./_:@-]*$ ]] ||
      { say "scripts/standin-images.sh ensure printed '$reference' where an image reference belongs (its stdout: $(head -c 300 "$STATE_DIR/images" | tr '\n' ' '))"; exit 1; }
  done
  say "images ready $((SECONDS - started)) s after the build"
fi
say "containers: $CONTAINER_ENGINE; $MFLOW_TEST_RABBITMQ_IMAGE, $MFLOW_TEST_POSTGRES_IMAGE"

# --- test -------------------------------------------------------------------------------------

# Only this run's results count: the default directory is ours to empty; in one given through
# MFLOW_TEST_RESULTS_DIR only old TRX files are removed.
if [[ -z "${MFLOW_TEST_RESULTS_DIR:-}" ]]; then rm -rf "$RESULTS_DIR"; fi
mkdir -p "$RESULTS_DIR"
find "$RESULTS_DIR" -name '*.trx' -delete

say "testing MFlow.sln ($CONFIGURATION); results in $RESULTS_DIR"
test_status=0
# The hang timeout keeps a stuck test from eating the CI budget: its test host is aborted and the
# tests it had not finished count as failed. One test project at a time (-m:1): the integration,
# standalone and browser projects each start many service processes, and run side by side on a
# 2-core machine they starved one another into timeouts; in sequence they take a few minutes more.
run dotnet test MFlow.sln -c "$CONFIGURATION" --no-build -m:1 \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$RESULTS_DIR" \
  --blame-hang-timeout "$HANG_TIMEOUT" --blame-hang-dump-type none \
  ${DOTNET_TEST_ARGS[@]+"${DOTNET_TEST_ARGS[@]}"} || test_status=$?

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
  # perl-base is in every Debian install; it reads each failed result's name and the start of its
  # message (its first lines joined by " | ", at most 1,500 characters: an Assert.All names its items
  # only after its first line), since CI keeps only the end of the output.
  while IFS= read -r line; do FAILED_TESTS+=("$line"); done < <(perl -0777 -ne '
    for my $result (split /(?=<UnitTestResult\s)/) {
      next unless $result =~ /^<UnitTestResult\s([^>]*)>/;
      my $attributes = $1;
      next unless $attributes =~ /outcome="(Failed|Error|Timeout|Aborted)"/;
      my ($name) = $attributes =~ /testName="([^"]*)"/;
      my ($message) = $result =~ /<Message>\s*([^<]*)/;
      $message //= "";
      my @lines = grep { /\S/ } split /\r?\n|\r/, $message;
      $message = join " | ", map { s/^\s+|\s+$//gr } @lines[0 .. ($#lines < 11 ? $#lines : 11)];
      $message .= " | ..." if @lines > 12;
      for ($name, $message) { s/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&apos;/\x27/g; s/&amp;/&/g; }
      $message = substr($message, 0, 1500) . " ..." if length $message > 1500;
      $message =~ s/\t/ /g;
      print "$message\t$name\n";
    }' "$trx" || true)
done < <(find "$RESULTS_DIR" -name '*.trx' -print0)

if ((COMPOSE_SMOKE)); then
  say "running scripts/compose-smoke.sh"
  CHILD_CLEANS_UP=1
  if run "$ROOT/scripts/compose-smoke.sh"; then PASSED=$((PASSED + 1)); else FAILED=$((FAILED + 1)); fi
  CHILD_CLEANS_UP=0
fi

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

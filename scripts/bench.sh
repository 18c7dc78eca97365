#!/usr/bin/env bash
# The benchmark (tests/MFlow.Benchmarks; not part of the test command): installs what it needs as
# scripts/test.sh does (scripts/prerequisites.sh), builds Release, starts a throwaway RabbitMQ and
# PostgreSQL (scripts/test-servers.sh) in a temporary directory, runs MFlow's services as separate
# processes against them and the fake Kubernetes API, prints one table and writes the same figures
# as JSON. The servers are stopped on every exit.
#
#   scripts/bench.sh [--json PATH] [benchmark arguments...]   JSON default: <repo>/bench-results.json
#   scripts/bench.sh --concurrency 1,10 --stages 5            any other argument goes to the benchmark
#   scripts/bench.sh --replicas 2                             N processes of every service
#
# Environment: CONFIGURATION (default Release).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFIGURATION="${CONFIGURATION:-Release}"
SERVERS="$ROOT/scripts/test-servers.sh"
PROJECT="$ROOT/tests/MFlow.Benchmarks/MFlow.Benchmarks.csproj"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { echo "bench.sh: $*" >&2; }

json="$ROOT/bench-results.json"
args=()
while (($# > 0)); do
  case "$1" in
    --json)
      (($# >= 2)) || { say "--json needs a path"; exit 2; }
      json="$2"
      shift 2
      ;;
    *)
      args+=("$1")
      shift
      ;;
  esac
done

STATE_DIR=""
CHILD=""
finish() {
  local status=$?
  trap - EXIT INT TERM
  if [[ -n "$CHILD" ]] && kill -0 "$CHILD" 2>/dev/null; then
    kill -TERM "$CHILD" 2>/dev/null || true
    wait "$CHILD" 2>/dev/null || true
  fi
  if [[ -f "$STATE_DIR/servers.state" ]]; then
    "$SERVERS" stop "$STATE_DIR" || say "stopping the servers failed (state in $STATE_DIR)"
  elif [[ -n "$STATE_DIR" ]]; then
    rm -rf "$STATE_DIR"
  fi
  exit "$status"
}
trap finish EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM

# shellcheck source=scripts/prerequisites.sh
source "$ROOT/scripts/prerequisites.sh"
ensure_prerequisites bench.sh rabbitmq-server postgresql procps

cd "$ROOT"
say "building the benchmark and the services ($CONFIGURATION)"
dotnet build "$PROJECT" -c "$CONFIGURATION" --nologo -v quiet </dev/null

STATE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/mflow-bench.XXXXXX")"
"$SERVERS" start "$STATE_DIR"
eval "$("$SERVERS" env "$STATE_DIR")"

say "running the benchmark"
# In the background and waited for, so that a signal runs the trap (and stops the servers) at once.
dotnet "$ROOT/tests/MFlow.Benchmarks/bin/$CONFIGURATION/net10.0/MFlow.Benchmarks.dll" --json "$json" ${args[@]+"${args[@]}"} </dev/null &
CHILD=$!
status=0
wait "$CHILD" || status=$?
CHILD=""
exit "$status"

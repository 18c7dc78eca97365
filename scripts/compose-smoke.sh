#!/usr/bin/env bash
# Brings compose/docker-compose.yml up for real and runs a pipeline through it:
#
#   scripts/compose-smoke.sh
#
# 1. a container engine (scripts/container-engine.sh: Docker as it is, else podman with its
#    Docker-compatible API for this run) and a compose client (`docker compose`, else
#    `docker-compose`, installed with apt-get as root when missing);
# 2. the base images (scripts/standin-images.sh: pulled, or local stand-ins where no registry can be
#    reached: .NET SDK and ASP.NET runtime for the Dockerfiles, RabbitMQ and PostgreSQL for compose);
# 3. builds every service of the compose file that has a build section (the services are listed
#    there and nowhere else), with the Dockerfiles as they are;
# 4. `up -d`, then waits until every health check passes and the scheduler answers /health/ready;
# 5. submits examples/pipelines/hello.yaml to POST /api/v1/runs and waits for the run to succeed;
# 6. tears everything down (`down -v`), also on failure, Ctrl-C or SIGTERM, after printing the
#    services' last log lines if something failed.
#
# Exits 0 only if the run succeeded. Takes minutes (six image builds): not part of scripts/test.sh
# unless asked for (scripts/test.sh --compose-smoke). Built images stay, so the next run reuses
# their layers. Every port is picked free on 127.0.0.1; the admin key and the key-encryption key are random.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/packages.sh
source "$ROOT/scripts/lib/packages.sh"
ENGINE="$ROOT/scripts/container-engine.sh"
COMPOSE_FILE="$ROOT/compose/docker-compose.yml"
PROJECT="mflow-smoke-$$"
HEALTH_TIMEOUT_SECONDS=300
RUN_TIMEOUT_SECONDS=300

say() { echo "compose-smoke: $*" >&2; }
die() {
  say "FAILED: $*"
  exit 1
}

STATE_DIR=""
COMPOSE=()
UP=""
HEALTH_DRIVER=""
finish() {
  local status=$? service
  trap - EXIT INT TERM
  if [[ -n "$HEALTH_DRIVER" ]]; then kill "$HEALTH_DRIVER" 2>/dev/null || true; fi
  if [[ -n "$UP" ]]; then
    if ((status != 0)); then
      for service in $("${COMPOSE[@]}" config --services 2>/dev/null); do
        echo "----- $service (last 30 lines)" >&2
        "${COMPOSE[@]}" logs --no-color --tail 30 "$service" >&2 2>/dev/null || true
      done
    fi
    say "tearing down"
    "${COMPOSE[@]}" down -v --remove-orphans >/dev/null 2>&1 || say "docker-compose down failed"
  fi
  if [[ -n "$STATE_DIR" ]]; then
    "$ENGINE" stop "$STATE_DIR" || true
    rm -rf "$STATE_DIR"
  fi
  ((status == 0)) && say "passed in $SECONDS s" || say "failed (exit status $status) after $SECONDS s"
  exit "$status"
}
trap finish EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM

# A TCP port nothing uses on this machine right now, below the ephemeral range.
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && [[ " ${PORTS_TAKEN:-} " != *" $port "* ]]; then
      PORTS_TAKEN="${PORTS_TAKEN:-} $port"
      echo "$port"
      return
    fi
  done
}

# The first string value of a field in a JSON document: the run view starts with its own "id" and
# "state", before its stages' and tasks'.
json_field() { grep -o "\"$1\":\"[^\"]*\"" | head -n 1 | cut -d '"' -f 4; }

step_started=$SECONDS
step() {
  say "$1 ($((SECONDS - step_started)) s since the previous step)"
  step_started=$SECONDS
}

# --- engine, client, base images ------------------------------------------------------------------

STATE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/mflow-compose.XXXXXX")"
"$ENGINE" start "$STATE_DIR"
eval "$("$ENGINE" env "$STATE_DIR")"

if command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
  COMPOSE=(docker compose)
else
  # Without its recommended docker.io: a Docker daemon installed alongside (and started where
  # systemd runs) would become the engine every later run picks.
  command -v docker-compose >/dev/null 2>&1 || install_packages compose-smoke.sh --no-install-recommends docker-compose ||
    die "no compose client: install docker-compose (or the docker compose plugin)"
  COMPOSE=(docker-compose)
fi
say "compose client: $("${COMPOSE[@]}" version 2>/dev/null | head -n 1)"
COMPOSE+=(-p "$PROJECT" -f "$COMPOSE_FILE")

images="$("$ROOT/scripts/standin-images.sh" ensure dotnet-sdk dotnet-aspnet rabbitmq postgres)"
export MFLOW_RABBITMQ_IMAGE="$(sed -n 3p <<<"$images")" MFLOW_POSTGRES_IMAGE="$(sed -n 4p <<<"$images")"
export MFLOW_API_PORT="$(free_port)" MFLOW_RABBITMQ_PORT="$(free_port)" MFLOW_RABBITMQ_MANAGEMENT_PORT="$(free_port)"
export MFLOW_POSTGRES_PORT="$(free_port)" MFLOW_ADMIN_KEY="smoke-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export MFLOW_KEY_ENCRYPTION_KEY="$(head -c 32 /dev/urandom | base64)"
step "engine $CONTAINER_ENGINE and base images ready: $(tr '\n' ' ' <<<"$images")"

# --- build and up ---------------------------------------------------------------------------------

"${COMPOSE[@]}" build
step "images built"

# podman runs health checks from systemd timers; without systemd nothing runs them, and every
# `condition: service_healthy` would wait forever. Then this loop runs every container's check
# every 2 s instead of at its interval; podman still applies its timeout, retries and start period
# (a container without a check just refuses).
if [[ "$CONTAINER_ENGINE" == podman && ! -d /run/systemd/system ]]; then
  (
    exec </dev/null >/dev/null 2>&1
    while sleep 2; do
      for id in $(podman ps -q --filter "label=com.docker.compose.project=$PROJECT"); do
        podman healthcheck run "$id" || true
      done
    done
  ) &
  HEALTH_DRIVER=$!
fi

UP=1
"${COMPOSE[@]}" up -d
step "up"

api="http://127.0.0.1:$MFLOW_API_PORT"
deadline=$((SECONDS + HEALTH_TIMEOUT_SECONDS))
while :; do
  waiting=()
  for id in $("${COMPOSE[@]}" ps -q); do
    # "running/" without a health check (podman reports an empty one), "running/healthy" with one.
    state="$("$CONTAINER_ENGINE" inspect --format '{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$id")"
    name="$("$CONTAINER_ENGINE" inspect --format '{{.Name}}' "$id")"
    [[ "$state" == running/ || "$state" == running/healthy ]] || waiting+=("${name#/}: $state")
  done
  curl -fsS -m 5 "$api/health/ready" >/dev/null 2>&1 || waiting+=("scheduler: /health/ready")
  ((${#waiting[@]} == 0)) && break
  ((SECONDS < deadline)) || die "not healthy within $HEALTH_TIMEOUT_SECONDS s: ${waiting[*]}"
  sleep 2
done
step "every container running, every health check passing, the scheduler ready: $("${COMPOSE[@]}" ps -q | wc -l) containers"

# --- a pipeline run over HTTP ---------------------------------------------------------------------

response="$(curl -sS -m 30 -X POST "$api/api/v1/runs" -H "Authorization: Bearer $MFLOW_ADMIN_KEY" \
  -H 'Content-Type: application/yaml' --data-binary "@$ROOT/examples/pipelines/hello.yaml" -w '\n%{http_code}')"
[[ "$(tail -n 1 <<<"$response")" == 201 ]] || die "POST /api/v1/runs answered (status on the last line): $response"
run_id="$(head -n -1 <<<"$response" | json_field id)"
[[ -n "$run_id" ]] || die "no run id in: $response"
say "run $run_id submitted"

deadline=$((SECONDS + RUN_TIMEOUT_SECONDS))
while :; do
  view="$(curl -fsS -m 10 "$api/api/v1/runs/$run_id" -H "Authorization: Bearer $MFLOW_ADMIN_KEY")"
  state="$(json_field state <<<"$view")"
  case "$state" in
    Succeeded) break ;;
    Failed | Cancelled) die "run $run_id ended $state: $view" ;;
  esac
  ((SECONDS < deadline)) || die "run $run_id not final within $RUN_TIMEOUT_SECONDS s (state $state): $view"
  sleep 1
done
step "run $run_id Succeeded ($(grep -o '"state":"Succeeded"' <<<"$view" | wc -l) states Succeeded: the run, its stages, its tasks)"

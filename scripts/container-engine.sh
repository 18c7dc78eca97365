#!/usr/bin/env bash
# The container engine the tests (Testcontainers) and scripts/compose-smoke.sh talk to.
#
#   scripts/container-engine.sh start <state-dir>   find an engine, or set one up; record it in <state-dir>
#   scripts/container-engine.sh env <state-dir>     print `export ...` lines for the clients (DOCKER_HOST, ...)
#   scripts/container-engine.sh stop <state-dir>    remove left-over test containers, stop what start started
#   scripts/container-engine.sh sweep               remove test containers whose creating process has ended
#
# start uses, in this order: the engine DOCKER_HOST names (as it is); a Docker daemon answering on
# /var/run/docker.sock (as it is); podman, installed with apt-get when missing (as root: podman, runc,
# curl), with its Docker-compatible API started for this run only on <state-dir>/podman.sock
# (detached; stop ends it). As root it also writes what podman needs on hosts like the CI machines
# (cgroup v1, no systemd, a low open-files limit) to /etc/containers/containers.conf.d/50-mflow.conf.
#
# Test containers carry the label mflow.test.owner=<host>:<pid>:<start time> of the process that
# created them (tests/MFlow.Testing). That process removes them when it exits; sweep removes those
# it could not (killed, crashed), and never one whose creator still runs, so concurrent runs are
# safe. Testcontainers' own reaper (Ryuk) is off on podman: its image cannot be pulled everywhere.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/packages.sh
source "$ROOT/scripts/lib/packages.sh"

OWNER_LABEL=mflow.test.owner
PODMAN_CONF=/etc/containers/containers.conf.d/50-mflow.conf

say() { echo "container-engine: $*" >&2; }
die() {
  say "error: $*"
  exit 1
}
usage() {
  sed -n '4,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}/  /' >&2
  exit 2
}

# Whether a Docker-compatible API answers on a unix socket.
socket_answers() {
  [[ -S "$1" ]] && command -v curl >/dev/null 2>&1 &&
    [[ "$(curl -s -m 5 --unix-socket "$1" http://engine/_ping 2>/dev/null)" == OK ]]
}

# ---------------------------------------------------------------------------------------------
# podman
# ---------------------------------------------------------------------------------------------

# What podman's defaults get wrong on some hosts, written only when the host needs it.
configure_podman() {
  local settings engine=() containers=() nofile nproc
  [[ "$(id -u)" == 0 ]] || return 0
  # crun (podman's preferred runtime) refuses cgroup v1 in "hybrid" mode; runc runs there.
  if [[ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ]]; then
    install_packages "container-engine.sh" runc
    engine+=('runtime = "runc"')
  fi
  # Without systemd as init there is no systemd cgroup manager or journal to log events to.
  if [[ ! -d /run/systemd/system ]]; then
    engine+=('cgroup_manager = "cgroupfs"' 'events_logger = "file"')
  fi
  # Rootful podman gives containers 1048576 open files; above the host's hard limit, every start
  # fails with "OCI permission denied". Then the process limit must come down too: podman lowers
  # its own below the host's (32768 where the host allows 96367), and asking for more fails the same way.
  nofile="$(ulimit -Hn)"
  nproc="$(ulimit -Hu)"
  if [[ "$nofile" != unlimited ]] && ((nofile < 1048576)); then
    [[ "$nproc" != unlimited ]] && ((nproc < 16384)) || nproc=16384
    containers+=("default_ulimits = [\"nofile=$nofile:$nofile\", \"nproc=$nproc:$nproc\"]")
  fi
  ((${#engine[@]} + ${#containers[@]} > 0)) || return 0
  settings="# Written by MFlow's scripts/container-engine.sh for this host (see that script)."$'\n'
  ((${#containers[@]} == 0)) || settings+="[containers]"$'\n'"$(printf '%s\n' "${containers[@]}")"$'\n'
  ((${#engine[@]} == 0)) || settings+="[engine]"$'\n'"$(printf '%s\n' "${engine[@]}")"$'\n'
  if [[ "$(cat "$PODMAN_CONF" 2>/dev/null)"$'\n' != "$settings" ]]; then
    mkdir -p "$(dirname "$PODMAN_CONF")"
    printf '%s' "$settings" >"$PODMAN_CONF"
    say "wrote $PODMAN_CONF"
  fi
}

start_podman_service() {
  local sock="$STATE_DIR/podman.sock" pid attempt
  # setsid and the redirections: the service must hold none of the caller's pipes or terminal.
  setsid podman system service --time=0 "unix://$sock" </dev/null >"$STATE_DIR/podman-service.log" 2>&1 &
  pid=$!
  echo "$pid" >"$STATE_DIR/podman-service.pid"
  for attempt in $(seq 1 100); do
    socket_answers "$sock" && break
    kill -0 "$pid" 2>/dev/null || { cat "$STATE_DIR/podman-service.log" >&2; die "podman system service exited"; }
    sleep 0.1
  done
  socket_answers "$sock" || die "podman's API did not answer on $sock within 10 s"
  say "podman $(podman version --format '{{.Client.Version}}') API on unix://$sock (pid $pid)"
}

stop_podman_service() {
  local pid_file="$STATE_DIR/podman-service.pid" pid attempt
  [[ -f "$pid_file" ]] || return 0
  pid="$(cat "$pid_file")"
  # Only the service this script started (a recycled pid would be some other process).
  if [[ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" == *"system service"*"$STATE_DIR/podman.sock"* ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    for attempt in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pid_file" "$STATE_DIR/podman.sock"
}

# ---------------------------------------------------------------------------------------------
# Left-over containers
# ---------------------------------------------------------------------------------------------

# Whether the process an owner label names still runs (same pid, same start time, this host).
owner_alive() {
  local host pid started stat
  IFS=: read -r host pid started <<<"$1"
  [[ "$host" == "$(hostname)" ]] || return 0 # another machine's: not ours to judge
  stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ "$(awk '{ print $20 }' <<<"$stat")" == "$started" ]]
}

cmd_sweep() {
  local engine="${CONTAINER_ENGINE:-}" id owner removed=0
  [[ -n "$engine" ]] || engine="$(command -v podman >/dev/null 2>&1 && echo podman || echo docker)"
  command -v "$engine" >/dev/null 2>&1 || return 0
  while read -r id owner; do
    [[ -n "$id" ]] || continue
    owner_alive "$owner" && continue
    "$engine" rm -f -v "$id" >/dev/null 2>&1 && removed=$((removed + 1))
  done < <("$engine" ps -aq --filter "label=$OWNER_LABEL" 2>/dev/null |
    xargs -r "$engine" inspect --format "{{.Id}} {{index .Config.Labels \"$OWNER_LABEL\"}}" 2>/dev/null)
  ((removed == 0)) || say "removed $removed test container(s) whose creating process had ended"
}

# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------

STATE_DIR=""
set_state_dir() {
  [[ -n "${1:-}" ]] || usage
  mkdir -p "$1"
  STATE_DIR="$(cd "$1" && pwd)"
}

write_env() { printf 'export %s=%q\n' "$@" >"$STATE_DIR/engine.env"; }

cmd_start() {
  local started=$SECONDS
  if [[ -n "${DOCKER_HOST:-}" ]]; then
    say "using the engine DOCKER_HOST names ($DOCKER_HOST) as it is"
    write_env CONTAINER_ENGINE "$(command -v docker >/dev/null 2>&1 && echo docker || echo podman)"
  elif socket_answers /var/run/docker.sock; then
    say "using the Docker daemon on /var/run/docker.sock as it is"
    write_env CONTAINER_ENGINE docker
  else
    command -v podman >/dev/null 2>&1 && command -v curl >/dev/null 2>&1 ||
      install_packages "container-engine.sh" podman curl ||
      die "no container engine: install Docker or podman, or run this as root to install podman"
    configure_podman
    CONTAINER_ENGINE=podman cmd_sweep
    start_podman_service
    # Ryuk off (see above). The host override: Testcontainers takes a machine with /.dockerenv for
    # a container and would look for the ports on a gateway address; they are on this machine.
    printf 'export %s=%q\n' CONTAINER_ENGINE podman DOCKER_HOST "unix://$STATE_DIR/podman.sock" \
      TESTCONTAINERS_RYUK_DISABLED true TESTCONTAINERS_HOST_OVERRIDE 127.0.0.1 >"$STATE_DIR/engine.env"
  fi
  say "engine ready in $((SECONDS - started)) s"
}

cmd_env() {
  [[ -f "$STATE_DIR/engine.env" ]] || die "$STATE_DIR has no engine (no engine.env); run: $0 start $STATE_DIR"
  cat "$STATE_DIR/engine.env"
}

cmd_stop() {
  [[ -d "$STATE_DIR" ]] || return 0
  if [[ -f "$STATE_DIR/engine.env" ]]; then
    CONTAINER_ENGINE="$(sed -n 's/^export CONTAINER_ENGINE=//p' "$STATE_DIR/engine.env")" cmd_sweep
  fi
  stop_podman_service
  rm -f "$STATE_DIR/engine.env" "$STATE_DIR/podman-service.log"
}

command="${1:-}"
case "$command" in
  start) set_state_dir "${2:-}"; cmd_start ;;
  env) set_state_dir "${2:-}"; cmd_env ;;
  stop) set_state_dir "${2:-}"; cmd_stop ;;
  sweep) cmd_sweep ;;
  *) usage ;;
esac

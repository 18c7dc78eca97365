#!/usr/bin/env bash
# Throwaway RabbitMQ and PostgreSQL processes for the benchmark (scripts/bench.sh). The tests get
# theirs as containers (tests/MFlow.Testing, Testcontainers); the benchmark keeps processes because
# it reports the servers' own CPU and memory from /proc and measures without an engine's port
# forwarding in the way (docs/testing.md).
#
#   scripts/test-servers.sh start <state-dir>   start both, record them in <state-dir>
#   scripts/test-servers.sh env <state-dir>     print `export MFLOW_TEST_...=...` lines
#   scripts/test-servers.sh stop <state-dir>    stop both and delete <state-dir>
#
# Never touches the system services: RabbitMQ runs as a private node (own name, ports, epmd, Erlang
# cookie, data and logs under <state-dir>), PostgreSQL as a private cluster (own data directory,
# port and socket directory). Everything `stop` needs is in <state-dir>/servers.state, so it works
# from any process. As root, the servers run as the `rabbitmq` and `postgres` users (both refuse to
# run as root); otherwise as the calling user.
set -euo pipefail

SCRIPT_PATH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
# shellcheck source=lib/owned-processes.sh
source "$(dirname "$SCRIPT_PATH")/lib/owned-processes.sh"
PG_BIN="${MFLOW_TEST_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}" # the newest installed
RABBITMQ_BIN="${MFLOW_TEST_RABBITMQ_BIN:-/usr/lib/rabbitmq/bin}"
START_TIMEOUT_SECONDS="${MFLOW_TEST_SERVER_START_TIMEOUT:-90}"
STOP_TIMEOUT_SECONDS=60

log() { echo "test-servers: $*" >&2; }
die() {
  log "error: $*"
  exit 1
}

usage() {
  sed -n '7,9p' "$SCRIPT_PATH" | sed 's/^# \{0,1\}/  /' >&2
  exit 2
}

now_ms() { date +%s%3N; }
is_root() { [[ "$(id -u)" == 0 ]]; }
# A zombie counts as gone: here PID 1 may be slow to reap orphans such as the postmaster.
pid_alive() {
  [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null || return 1
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ "${stat:0:1}" != Z ]]
}

wait_pid_gone() {
  local pid="$1" seconds="$2" deadline
  deadline=$(($(date +%s) + seconds))
  while pid_alive "$pid"; do
    (($(date +%s) < deadline)) || return 1
    sleep 0.1
  done
}

RABBIT_USER=rabbitmq
PG_USER=postgres
if ! is_root; then
  RABBIT_USER="$(id -un)"
  PG_USER="$(id -un)"
fi

# Prefix that runs a command as a service user: runuser when root, nothing otherwise.
as_user() {
  if is_root; then
    AS_USER=(runuser -u "$1" --)
  else
    AS_USER=()
  fi
}

# ---------------------------------------------------------------------------------------------
# Free ports
# ---------------------------------------------------------------------------------------------

# Ports come from below the kernel's ephemeral range, so that an outgoing connection cannot take
# one between the check and the server's bind.
port_in_use() {
  local port="$1"
  if command -v ss >/dev/null 2>&1; then
    # Any socket on the port (listening, connected, TIME_WAIT) counts as taken.
    [[ -n "$(ss -Hatn "( sport = :$port )" 2>/dev/null)" ]] && return 0
  fi
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
  return 1
}

PICKED_PORTS=" "
# Sets FREE_PORT (no subshell, so that one start never hands out the same port twice).
next_free_port() {
  local low=20000 high=32767 ephemeral_low port attempt
  if [[ -r /proc/sys/net/ipv4/ip_local_port_range ]]; then
    read -r ephemeral_low _ </proc/sys/net/ipv4/ip_local_port_range || true
    ((ephemeral_low > low + 1000)) && high=$((ephemeral_low - 1))
  fi
  for attempt in $(seq 1 500); do
    port=$((low + (RANDOM * 32768 + RANDOM) % (high - low)))
    [[ "$PICKED_PORTS" == *" $port "* ]] && continue
    port_in_use "$port" && continue
    PICKED_PORTS+="$port "
    FREE_PORT="$port"
    return 0
  done
  die "no free TCP port found between $low and $high"
}

# ---------------------------------------------------------------------------------------------
# State file: KEY=value lines
# ---------------------------------------------------------------------------------------------

STATE_DIR=""
STATE_FILE=""

set_state_dir() {
  [[ -n "${1:-}" ]] || usage
  if [[ -d "$1" ]]; then
    STATE_DIR="$(cd "$1" && pwd)"
  else
    STATE_DIR="$(realpath -m -- "$1")"
  fi
  STATE_FILE="$STATE_DIR/servers.state"
}

state_set() {
  touch "$STATE_FILE"
  { grep -v "^$1=" "$STATE_FILE" || true; printf '%s=%s\n' "$1" "$2"; } >"$STATE_FILE.tmp"
  mv "$STATE_FILE.tmp" "$STATE_FILE"
}

state_get() {
  [[ -f "$STATE_FILE" ]] || return 0
  sed -n "s/^$1=//p" "$STATE_FILE" | tail -n 1
}

require_state() {
  [[ -f "$STATE_FILE" ]] || die "$STATE_DIR holds no servers (no servers.state); run: $SCRIPT_PATH start $STATE_DIR"
}

# ---------------------------------------------------------------------------------------------
# RabbitMQ
# ---------------------------------------------------------------------------------------------

# Sets RABBIT=(... env VARS) so that "${RABBIT[@]}" <program> runs a RabbitMQ program against this node.
rabbit_command() {
  local dir="$STATE_DIR/rabbitmq"
  as_user "$RABBIT_USER"
  RABBIT=("${AS_USER[@]}" env
    "HOME=$dir/home"
    "RABBITMQ_NODENAME=$(state_get RABBITMQ_NODENAME)"
    "RABBITMQ_NODE_IP_ADDRESS=127.0.0.1"
    "RABBITMQ_NODE_PORT=$(state_get RABBITMQ_PORT)"
    "RABBITMQ_DIST_PORT=$(state_get RABBITMQ_DIST_PORT)"
    "ERL_EPMD_PORT=$(state_get RABBITMQ_EPMD_PORT)"
    "ERL_EPMD_ADDRESS=127.0.0.1"
    "RABBITMQ_MNESIA_BASE=$dir/mnesia"
    "RABBITMQ_LOG_BASE=$dir/log"
    "RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins"
    "RABBITMQ_CONFIG_FILE=$dir/rabbitmq.conf"
    "RABBITMQ_ADVANCED_CONFIG_FILE=$dir/advanced.config"
    "RABBITMQ_CONF_ENV_FILE=$dir/rabbitmq-env.conf"
    "RABBITMQ_PID_FILE=$dir/rabbitmq.pid"
    "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}"
  )
}

rabbitmqctl_() {
  rabbit_command
  "${RABBIT[@]}" "$RABBITMQ_BIN/rabbitmqctl" -n "$(state_get RABBITMQ_NODENAME)" "$@"
}

rabbit_prepare() {
  local dir="$STATE_DIR/rabbitmq"
  [[ -x "$RABBITMQ_BIN/rabbitmq-server" ]] ||
    die "$RABBITMQ_BIN/rabbitmq-server not found: install the Debian package rabbitmq-server"
  mkdir -p "$dir/home" "$dir/mnesia" "$dir/log"
  state_set RABBITMQ_NODENAME "mflow-test-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')@localhost"
  next_free_port && state_set RABBITMQ_PORT "$FREE_PORT"
  next_free_port && state_set RABBITMQ_DIST_PORT "$FREE_PORT"
  next_free_port && state_set RABBITMQ_EPMD_PORT "$FREE_PORT"
  next_free_port && state_set RABBITMQ_MANAGEMENT_PORT "$FREE_PORT"
  echo '[rabbitmq_management].' >"$dir/enabled_plugins"
  # Statistics every 500 ms instead of 5 s: tests read queue depths through the HTTP API.
  cat >"$dir/rabbitmq.conf" <<EOF
management.tcp.ip = 127.0.0.1
management.tcp.port = $(state_get RABBITMQ_MANAGEMENT_PORT)
collect_statistics_interval = 500
log.console = false
EOF
  echo '[].' >"$dir/advanced.config"
  : >"$dir/rabbitmq-env.conf"
  # A private Erlang cookie: the CLI talks to this node only, and no system cookie is read.
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr 'a-f' 'A-F' >"$dir/home/.erlang.cookie"
  chmod 400 "$dir/home/.erlang.cookie"
  if is_root; then chown -R "$RABBIT_USER:$RABBIT_USER" "$dir"; fi
}

rabbit_launch() {
  local dir="$STATE_DIR/rabbitmq" started deadline launcher
  started=$(now_ms)
  rabbit_command
  # setsid and the redirections detach the node from the caller: it outlives this script and
  # holds none of the caller's pipes (a test host reading our output would otherwise hang).
  (cd "$dir" && exec setsid "${RABBIT[@]}" "$RABBITMQ_BIN/rabbitmq-server") </dev/null >>"$dir/server.out" 2>&1 &
  launcher=$!
  state_set RABBITMQ_LAUNCHER_PID "$launcher"
  deadline=$(($(date +%s) + START_TIMEOUT_SECONDS))
  # await_startup fails at once while the node is not yet registered with epmd: retry.
  until rabbitmqctl_ await_startup --timeout 5 >/dev/null 2>&1; do
    pid_alive "$launcher" || { rabbit_dump_logs; die "RabbitMQ exited during startup (logs above)"; }
    (($(date +%s) < deadline)) || { rabbit_dump_logs; die "RabbitMQ did not start within ${START_TIMEOUT_SECONDS}s (logs above)"; }
    sleep 0.2
  done
  state_set RABBITMQ_PID "$(cat "$dir/rabbitmq.pid" 2>/dev/null || true)"
  log "RabbitMQ node $(state_get RABBITMQ_NODENAME) up on 127.0.0.1:$(state_get RABBITMQ_PORT)" \
    "(management :$(state_get RABBITMQ_MANAGEMENT_PORT)) in $(($(now_ms) - started)) ms"
}

rabbit_dump_logs() {
  local f
  for f in "$STATE_DIR/rabbitmq/server.out" "$STATE_DIR"/rabbitmq/log/*.log; do
    [[ -f "$f" ]] || continue
    echo "----- $f (last 40 lines)" >&2
    tail -n 40 "$f" >&2
  done
}

rabbit_stop() {
  local pid launcher started
  [[ -n "$(state_get RABBITMQ_NODENAME)" ]] || return 0
  started=$(now_ms)
  pid="$(state_get RABBITMQ_PID)"
  [[ -n "$pid" ]] || pid="$(cat "$STATE_DIR/rabbitmq/rabbitmq.pid" 2>/dev/null || true)"
  launcher="$(state_get RABBITMQ_LAUNCHER_PID)"
  if pid_alive "$pid" || pid_alive "$launcher"; then
    rabbit_command
    timeout "$STOP_TIMEOUT_SECONDS" "${RABBIT[@]}" "$RABBITMQ_BIN/rabbitmqctl" -n "$(state_get RABBITMQ_NODENAME)" \
      stop >/dev/null 2>&1 || log "rabbitmqctl stop failed; killing the node"
  fi
  # `rabbitmqctl stop` can return before the VM has exited: wait for it, then make sure.
  if pid_alive "$pid" && ! wait_pid_gone "$pid" "$STOP_TIMEOUT_SECONDS"; then kill -KILL "$pid" 2>/dev/null || true; fi
  if pid_alive "$launcher" && ! wait_pid_gone "$launcher" 10; then kill -KILL "$launcher" 2>/dev/null || true; fi
  # The node started its own epmd (private port), which would outlive it.
  kill_epmd "$(state_get RABBITMQ_EPMD_PORT)"
  log "RabbitMQ node $(state_get RABBITMQ_NODENAME) stopped in $(($(now_ms) - started)) ms"
}

kill_epmd() {
  local port="$1" pid
  [[ -n "$port" ]] || return 0
  for pid in $(pgrep -x epmd 2>/dev/null || true); do
    if tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -qxF "ERL_EPMD_PORT=$port"; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------------

pg_prepare() {
  local dir="$STATE_DIR/postgres" started
  [[ -x "$PG_BIN/initdb" && -x "$PG_BIN/pg_ctl" ]] ||
    die "${PG_BIN:-/usr/lib/postgresql/<version>/bin}/initdb not found: install the Debian package postgresql (15 or later)"
  started=$(now_ms)
  mkdir -p "$dir"
  if is_root; then chown "$PG_USER:$PG_USER" "$dir"; fi
  next_free_port && state_set POSTGRES_PORT "$FREE_PORT"
  as_user "$PG_USER"
  if ! "${AS_USER[@]}" "$PG_BIN/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    die "initdb failed (output above)"
  fi
  log "PostgreSQL cluster initialised in $(($(now_ms) - started)) ms"
}

pg_launch() {
  local dir="$STATE_DIR/postgres" started options
  started=$(now_ms)
  # fsync and full_page_writes off: they only guard against the machine crashing, and this is a
  # throwaway cluster. synchronous_commit stays on, as in production: the benchmark
  # measures what a commit costs. 300 connections: every service has its own pools.
  options="-p $(state_get POSTGRES_PORT) -k $dir -c listen_addresses=127.0.0.1 -c max_connections=1000"
  options+=" -c fsync=off -c synchronous_commit=on -c full_page_writes=off"
  as_user "$PG_USER"
  # pg_ctl -w returns once the server accepts connections; setsid keeps the postmaster out of
  # the caller's process group and terminal.
  if ! "${AS_USER[@]}" setsid "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$options" \
    -w -t "$START_TIMEOUT_SECONDS" start </dev/null >"$dir/pg_ctl.out" 2>&1; then
    cat "$dir/pg_ctl.out" >&2
    tail -n 40 "$dir/server.log" >&2 2>/dev/null || true
    die "PostgreSQL did not start (output above)"
  fi
  state_set POSTGRES_PID "$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)"
  log "PostgreSQL up on 127.0.0.1:$(state_get POSTGRES_PORT) in $(($(now_ms) - started)) ms"
}

pg_stop() {
  local dir="$STATE_DIR/postgres" pid started
  [[ -n "$(state_get POSTGRES_PORT)" ]] || return 0
  started=$(now_ms)
  pid="$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)"
  [[ -n "$pid" ]] || pid="$(state_get POSTGRES_PID)"
  if pid_alive "$pid"; then
    as_user "$PG_USER"
    "${AS_USER[@]}" "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t "$STOP_TIMEOUT_SECONDS" stop \
      >/dev/null 2>&1 || log "pg_ctl stop failed; killing the postmaster"
    if pid_alive "$pid" && ! wait_pid_gone "$pid" 10; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  log "PostgreSQL on port $(state_get POSTGRES_PORT) stopped in $(($(now_ms) - started)) ms"
}

# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------

cmd_start() {
  local started
  started=$(now_ms)
  if [[ -e "$STATE_DIR" && -n "$(ls -A "$STATE_DIR" 2>/dev/null)" ]]; then
    die "$STATE_DIR is not empty; give start a new or empty directory"
  fi
  mkdir -p "$STATE_DIR"
  # The service users must reach their directories inside (mktemp -d makes 0700 directories).
  chmod 0755 "$STATE_DIR"
  if is_root && ! runuser -u "$PG_USER" -- test -x "$STATE_DIR"; then
    die "$STATE_DIR cannot be reached by the $PG_USER user (a parent directory is private); use one under /tmp"
  fi
  touch "$STATE_FILE"
  # A failed start (die exits) must not leave half a server behind.
  trap 'status=$?; if ((status != 0)); then log "start failed; cleaning up"; cmd_stop || true; fi' EXIT
  rabbit_prepare
  rabbit_launch
  pg_prepare
  pg_launch
  state_set STARTED 1
  trap - EXIT
  log "servers up in $(($(now_ms) - started)) ms; state in $STATE_DIR"
}

cmd_stop() {
  [[ -d "$STATE_DIR" ]] || return 0
  # Only ever delete a directory this script made: it holds servers.state.
  [[ -f "$STATE_FILE" ]] || die "$STATE_DIR holds no servers.state; not deleting it"
  kill_owned_processes "$STATE_DIR" test-servers
  rabbit_stop || true
  pg_stop || true
  rm -rf "$STATE_DIR"
}

cmd_env() {
  require_state
  [[ -n "$(state_get STARTED)" ]] || die "the servers in $STATE_DIR did not finish starting"
  cat <<EOF
export MFLOW_TEST_RABBITMQ_URL='amqp://guest:guest@127.0.0.1:$(state_get RABBITMQ_PORT)/'
export MFLOW_TEST_RABBITMQ_MANAGEMENT_URL='http://127.0.0.1:$(state_get RABBITMQ_MANAGEMENT_PORT)/'
export MFLOW_TEST_POSTGRES='Host=127.0.0.1;Port=$(state_get POSTGRES_PORT);Username=postgres;Database=postgres'
EOF
  # Paths are quoted for the shell that evals this, whatever characters they hold.
  printf 'export MFLOW_TEST_STATE_DIR=%q\n' "$STATE_DIR"
}

command="${1:-}"
[[ -n "$command" ]] || usage
set_state_dir "${2:-}"
case "$command" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  env) cmd_env ;;
  *) usage ;;
esac

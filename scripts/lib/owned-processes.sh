# Sourced (not run). Service processes started by tests or the benchmark carry
# MFLOW_TEST_OWNER=<state-dir> (tests/MFlow.Testing's ServiceProcess sets it from MFLOW_TEST_STATE_DIR);
# a test host that crashed or was killed would otherwise leave them running.
#
#   kill_owned_processes <state-dir> <log-prefix>

kill_owned_processes() {
  local owner="$1" prefix="$2" environ_file pid
  for environ_file in /proc/[0-9]*/environ; do
    pid="${environ_file#/proc/}"
    pid="${pid%/environ}"
    [[ "$pid" == "$$" ]] && continue
    if tr '\0' '\n' 2>/dev/null <"$environ_file" | grep -qxF "MFLOW_TEST_OWNER=$owner"; then
      echo "$prefix: killing leftover test service process $pid ($(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | cut -c1-120))" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}

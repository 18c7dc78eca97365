#!/usr/bin/env bash
# What scripts/test.sh and scripts/bench.sh need on the machine, checked (and installed when run as
# root on Debian/Ubuntu, through scripts/lib/packages.sh) the same way for both. Sourced, not run:
#
#   source scripts/prerequisites.sh
#   ensure_prerequisites bench.sh rabbitmq-server postgresql procps
#
# Known names: rabbitmq-server, postgresql (15 or later, in /usr/lib/postgresql/<version>/bin),
# ansible, procps (ps and pgrep: stopping process trees, the private epmd), chromium (the browser the
# dashboard's tests drive, at /usr/bin/chromium or MFLOW_TEST_CHROMIUM). MFLOW_TEST_PG_BIN names
# PostgreSQL's bin directory instead of the newest installed one.

# shellcheck source=lib/packages.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/packages.sh"

# The newest PostgreSQL the distribution installed (15 on Debian 12, 17 on Debian 13), unless given.
newest_pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# ensure_prerequisites <caller> <name>...: returns once every named prerequisite is there; exits 1
# with a message saying what to install when one is missing and this is not root.
ensure_prerequisites() {
  local caller="$1" name pg_bin
  shift
  command -v dotnet >/dev/null 2>&1 ||
    { echo "$caller: dotnet not found: install the .NET 10 SDK (https://dot.net) and put dotnet on PATH" >&2; exit 1; }

  pg_bin="${MFLOW_TEST_PG_BIN:-$(newest_pg_bin)}"
  local missing=()
  for name in "$@"; do
    case "$name" in
      rabbitmq-server) [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]] || missing+=(rabbitmq-server) ;;
      postgresql) [[ -x "$pg_bin/initdb" && -x "$pg_bin/pg_ctl" ]] || missing+=(postgresql) ;;
      ansible) command -v ansible-playbook >/dev/null 2>&1 || missing+=(ansible) ;;
      procps) command -v ps >/dev/null 2>&1 || missing+=(procps) ;;
      chromium) [[ -x "${MFLOW_TEST_CHROMIUM:-/usr/bin/chromium}" ]] || missing+=(chromium) ;;
      *) echo "$caller: unknown prerequisite '$name'" >&2; exit 2 ;;
    esac
  done
  ((${#missing[@]} > 0)) || return 0

  install_packages "$caller" "${missing[@]}" || exit 1
  pg_bin="${MFLOW_TEST_PG_BIN:-$(newest_pg_bin)}"
  if [[ " ${missing[*]} " == *" postgresql "* && ! -x "$pg_bin/initdb" ]]; then
    echo "$caller: PostgreSQL is still missing (no initdb in ${pg_bin:-/usr/lib/postgresql/<version>/bin})" >&2
    exit 1
  fi
}

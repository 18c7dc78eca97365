# Sourced (not run) by the scripts that install what they need on a Debian machine:
#
#   source "$ROOT/scripts/lib/packages.sh"
#   install_packages "the test command" podman runc      # installs those not installed yet
#   install_packages "the smoke" --no-install-recommends docker-compose
#
# As root, the first call in a process (and the scripts it runs) runs `apt-get update`, every call `apt-get install -y` of the
# packages dpkg does not list as installed (non-interactive, no stdin, nothing upgraded), with apt's
# output on stderr: callers' stdout carries only what they print (standin-images.sh prints image
# references there), waiting up to 10 minutes for another apt or dpkg to finish. Not root:
# says what to install and returns 1. A package already installed costs nothing, so callers may
# pass every package they need.

PACKAGES_APT_UPDATED=${PACKAGES_APT_UPDATED:-}

# Whether dpkg lists a package as installed.
package_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

# install_packages <who-needs-them> [--no-install-recommends] <package>...
install_packages() {
  local who="$1" package missing=() options=()
  shift
  if [[ "${1:-}" == --no-install-recommends ]]; then
    options+=("$1")
    shift
  fi
  for package in "$@"; do
    package_installed "$package" || missing+=("$package")
  done
  ((${#missing[@]} > 0)) || return 0
  if [[ "$(id -u)" != 0 ]]; then
    echo "$who needs: ${missing[*]}. Install them (Debian/Ubuntu: sudo apt-get install -y ${missing[*]})" \
      "or run it as root, which installs them." >&2
    return 1
  fi
  echo "$who: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  if [[ -z "$PACKAGES_APT_UPDATED" ]]; then
    apt-get -o DPkg::Lock::Timeout=600 update </dev/null >&2
    export PACKAGES_APT_UPDATED=1 # for the scripts this one runs, too
  fi
  apt-get -o DPkg::Lock::Timeout=600 install -y --no-upgrade ${options[@]+"${options[@]}"} "${missing[@]}" </dev/null >&2
}

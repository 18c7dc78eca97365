#!/usr/bin/env bash
# The container images MFlow's tests and Dockerfiles start from, with local stand-ins for machines
# that cannot reach a registry.
#
#   scripts/standin-images.sh ensure <image>...   print, one a line, the reference to use for each image:
#                                                 the official one if the engine has it or can pull it,
#                                                 else a stand-in (built here once per machine)
#   scripts/standin-images.sh build <image>...    (re)build the stand-ins
#   scripts/standin-images.sh remove              delete every stand-in and the cached Debian root file system
#
# Images (the official reference, then what stands in for it):
#   rabbitmq       docker.io/library/rabbitmq:3.13-management  localhost/mflow-standin/rabbitmq:<suite>
#                  (Debian's rabbitmq-server, management plugin on)
#   postgres       docker.io/library/postgres:15               localhost/mflow-standin/postgres:<suite>
#                  (Debian's postgresql)
#   dotnet-sdk     mcr.microsoft.com/dotnet/sdk:10.0           the same name: the .NET SDK installed on this
#   dotnet-aspnet  mcr.microsoft.com/dotnet/aspnet:10.0        machine (or its runtimes) in a Debian root file system
# The .NET stand-ins take the official names so that the Dockerfiles build unchanged. Every stand-in
# says what it is in its commit message (`podman history`, `.Comment`: "MFlow stand-in: ..."; not a
# label, which images built on it would inherit), and `remove` deletes only images that say so.
#
# A stand-in is a Debian root file system (debootstrap --variant=minbase, of this machine's release,
# from the mirror apt uses here) with the packages installed in a chroot and imported with the
# image's entrypoint, environment and ports. Building needs root (debootstrap, chroot), and installs
# debootstrap with apt-get when missing; on a fresh machine the four take about 5 minutes, the
# database and broker alone about 2. Nothing here pulls from a registry but `ensure`, once per image
# that is missing.
#
# Environment: CONTAINER_ENGINE (podman or docker; default: podman if installed, else docker),
# MFLOW_STANDIN_CACHE (default /var/cache/mflow-standins), MFLOW_STANDIN_MIRROR (default: apt's mirror).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/packages.sh
source "$ROOT/scripts/lib/packages.sh"

ENGINE="${CONTAINER_ENGINE:-$(command -v podman >/dev/null 2>&1 && echo podman || echo docker)}"
CACHE="${MFLOW_STANDIN_CACHE:-/var/cache/mflow-standins}"
SUITE="$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")"
SUITE="${SUITE:-bookworm}"

say() { echo "standin-images: $*" >&2; }
die() {
  say "error: $*"
  exit 1
}
usage() {
  sed -n '5,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}/  /' >&2
  exit 2
}

official_reference() {
  case "$1" in
    rabbitmq) echo docker.io/library/rabbitmq:3.13-management ;;
    postgres) echo docker.io/library/postgres:15 ;;
    dotnet-sdk) echo mcr.microsoft.com/dotnet/sdk:10.0 ;;
    dotnet-aspnet) echo mcr.microsoft.com/dotnet/aspnet:10.0 ;;
    *) die "unknown image '$1' (rabbitmq, postgres, dotnet-sdk, dotnet-aspnet)" ;;
  esac
}

standin_reference() {
  case "$1" in
    rabbitmq | postgres) echo "localhost/mflow-standin/$1:$SUITE" ;;
    *) official_reference "$1" ;;
  esac
}

STANDIN_COMMENT="MFlow stand-in"
image_exists() { "$ENGINE" image inspect "$1" >/dev/null 2>&1; }
is_standin() { [[ "$("$ENGINE" image inspect --format '{{.Comment}}' "$1" 2>/dev/null)" == "$STANDIN_COMMENT"* ]]; }

# ---------------------------------------------------------------------------------------------
# Root file systems
# ---------------------------------------------------------------------------------------------

mirror() {
  local uri="${MFLOW_STANDIN_MIRROR:-}"
  # The mirror apt already uses here: deb822 sources first, then sources.list.
  [[ -n "$uri" ]] || uri="$(awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)"
  [[ -n "$uri" ]] || uri="$(awk '$1 == "deb" && $0 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)"
  echo "${uri:-http://deb.debian.org/debian}"
}

# The minimal Debian root file system every stand-in starts from, made once and kept in the cache.
base_rootfs() {
  local base="$CACHE/$SUITE-base" started=$SECONDS
  [[ -f "$base/.complete" ]] && return 0
  [[ "$(id -u)" == 0 ]] || die "building stand-ins needs root (debootstrap, chroot); or give images that exist"
  install_packages "standin-images.sh" debootstrap
  say "debootstrap --variant=minbase $SUITE from $(mirror) into $base"
  rm -rf --one-file-system "$base"
  mkdir -p "$CACHE"
  debootstrap --variant=minbase "$SUITE" "$base" "$(mirror)" >"$CACHE/debootstrap.log" 2>&1 ||
    { tail -n 20 "$CACHE/debootstrap.log" >&2; die "debootstrap failed (log: $CACHE/debootstrap.log)"; }
  touch "$base/.complete"
  say "base root file system made in $((SECONDS - started)) s"
}

MOUNTED=()
unmount_all() {
  local i
  for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do umount "${MOUNTED[i]}" 2>/dev/null || umount -l "${MOUNTED[i]}" 2>/dev/null || true; done
  MOUNTED=()
}
trap unmount_all EXIT
trap 'exit 143' TERM # so that the EXIT trap unmounts
trap 'exit 130' INT

# new_rootfs <name>: a copy of the base to build one image in; prints its path.
new_rootfs() {
  local rootfs="$CACHE/$SUITE-$1" point
  unmount_all
  # What a killed build left mounted in it (rm --one-file-system would stop there).
  for point in $(awk -v prefix="$rootfs/" 'index($2, prefix) == 1 { print $2 }' /proc/mounts | sort -r); do
    umount -l "$point" 2>/dev/null || true
  done
  rm -rf --one-file-system "$rootfs"
  cp -a "$CACHE/$SUITE-base" "$rootfs"
  rm -f "$rootfs/.complete"
  echo "$rootfs"
}

# chroot_apt <rootfs> <package>...: installs packages in the root file system, starting no service.
chroot_apt() {
  local rootfs="$1" log="$CACHE/$(basename "$1")-apt.log" status=0
  shift
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
  chmod 755 "$rootfs/usr/sbin/policy-rc.d"
  local point
  for point in proc sys dev; do
    case "$point" in
      proc) mount -t proc proc "$rootfs/proc" ;;
      sys) mount -t sysfs sys "$rootfs/sys" ;;
      dev) mount --bind /dev "$rootfs/dev" ;;
    esac
    MOUNTED+=("$rootfs/$point")
  done
  chroot "$rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 \
    sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends $* && apt-get clean" \
    </dev/null >"$log" 2>&1 || status=$?
  unmount_all
  rm -f "$rootfs/usr/sbin/policy-rc.d"
  if ((status != 0)); then
    tail -n 20 "$log" >&2
    die "installing $* in $rootfs failed (log: $log)"
  fi
  rm -rf --one-file-system "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*
}

# import_rootfs <rootfs> <reference> <Dockerfile instruction>...: the root file system as an image.
import_rootfs() {
  local rootfs="$1" reference="$2" instruction changes=()
  shift 2
  for instruction in "$@"; do changes+=(--change "$instruction"); done
  tar -C "$rootfs" --numeric-owner -c . | "$ENGINE" import "${changes[@]}" \
    --message "$STANDIN_COMMENT: built by scripts/standin-images.sh from Debian $SUITE packages" - "$reference" >"$CACHE/import.log" 2>&1 ||
    { cat "$CACHE/import.log" >&2; die "$ENGINE import of $reference failed"; }
  rm -rf --one-file-system "$rootfs"
}

# ---------------------------------------------------------------------------------------------
# The stand-ins
# ---------------------------------------------------------------------------------------------

build_rabbitmq() {
  local rootfs
  rootfs="$(new_rootfs rabbitmq)"
  chroot_apt "$rootfs" rabbitmq-server
  install -m 755 "$ROOT/scripts/standin-images/rabbitmq-entrypoint.sh" "$rootfs/usr/local/bin/docker-entrypoint.sh"
  # Like the official *-management image.
  echo '[rabbitmq_management,rabbitmq_prometheus].' >"$rootfs/etc/rabbitmq/enabled_plugins"
  import_rootfs "$rootfs" "$1" \
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' 'ENV LANG=C.UTF-8' \
    'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' 'CMD ["/usr/lib/rabbitmq/bin/rabbitmq-server"]' \
    'EXPOSE 5672' 'EXPOSE 15672' 'VOLUME /var/lib/rabbitmq'
}

build_postgres() {
  local rootfs
  rootfs="$(new_rootfs postgres)"
  chroot_apt "$rootfs" postgresql
  # The package made a cluster of its own; the entrypoint makes one in $PGDATA like the official image.
  rm -rf --one-file-system "$rootfs"/etc/postgresql/*/main "$rootfs"/var/lib/postgresql/*/main
  install -m 755 "$ROOT/scripts/standin-images/postgres-entrypoint.sh" "$rootfs/usr/local/bin/docker-entrypoint.sh"
  local bin
  bin="$(cd "$rootfs" && ls -d usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  import_rootfs "$rootfs" "$1" \
    "ENV PATH=/$bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" 'ENV LANG=C.UTF-8' \
    'ENV PGDATA=/var/lib/postgresql/data' \
    'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' 'CMD ["postgres"]' \
    'EXPOSE 5432' 'STOPSIGNAL SIGINT' 'VOLUME /var/lib/postgresql/data'
}

# Where this machine's .NET lives (dotnet's own directory, symlinks resolved).
dotnet_root() {
  local dotnet
  dotnet="$(command -v dotnet)" || die "dotnet not found: the .NET stand-ins are made from the installed .NET SDK"
  dirname "$(readlink -f "$dotnet")"
}

newest_shared() { ls -d "$(dotnet_root)/shared/$1"/10.* 2>/dev/null | sort -V | tail -n 1; }

# What every .NET image has: ICU, OpenSSL, zlib, CA certificates, time zones.
dotnet_rootfs() {
  local rootfs icu
  rootfs="$(new_rootfs "$1")"
  # The certificate authorities this machine added (a TLS-inspecting proxy's, for one): a restore
  # inside a build must trust the package feed as a restore on this machine does. Installing
  # ca-certificates below adds them to the image's bundle.
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    mkdir -p "$rootfs/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
  fi
  icu="$(chroot "$rootfs" /usr/bin/env -i PATH=/usr/bin:/bin sh -c \
    'apt-get update -qq >/dev/null 2>&1; apt-cache search --names-only "^libicu[0-9]+$" | cut -d" " -f1 | sort -V | tail -n 1')"
  chroot_apt "$rootfs" ca-certificates tzdata zlib1g libssl3 libgssapi-krb5-2 libstdc++6 "${icu:-libicu72}"
  echo "$rootfs"
}

# The environment the official .NET images set.
dotnet_env() {
  local runtime
  runtime="$(basename "$(newest_shared Microsoft.NETCore.App)")"
  printf '%s\n' 'ENV APP_UID=1654' 'ENV ASPNETCORE_HTTP_PORTS=8080' 'ENV DOTNET_RUNNING_IN_CONTAINER=true' \
    "ENV DOTNET_VERSION=$runtime" "ENV ASPNET_VERSION=$(basename "$(newest_shared Microsoft.AspNetCore.App)")"
}

build_dotnet_sdk() {
  local rootfs source changes=()
  source="$(dotnet_root)"
  [[ -d "$source/sdk" ]] || die "$source has no SDK"
  rootfs="$(dotnet_rootfs dotnet-sdk)"
  mkdir -p "$rootfs/usr/share/dotnet"
  cp -a "$source/." "$rootfs/usr/share/dotnet/"
  ln -sf /usr/share/dotnet/dotnet "$rootfs/usr/bin/dotnet"
  mapfile -t changes < <(dotnet_env)
  changes+=('ENV DOTNET_NOLOGO=true' 'ENV DOTNET_GENERATE_ASPNET_CERTIFICATE=false' 'ENV NUGET_XMLDOC_MODE=skip'
    'ENV DOTNET_USE_POLLING_FILE_WATCHER=true' "ENV DOTNET_SDK_VERSION=$(ls "$source/sdk" | sort -V | tail -n 1)")
  # The package feed here cannot be checked for certificate revocation; a build in the image needs
  # the same setting as one on this machine.
  [[ -z "${NUGET_CERT_REVOCATION_MODE:-}" ]] || changes+=("ENV NUGET_CERT_REVOCATION_MODE=$NUGET_CERT_REVOCATION_MODE")
  import_rootfs "$rootfs" "$1" "${changes[@]}" 'WORKDIR /' 'CMD ["bash"]'
}

build_dotnet_aspnet() {
  local rootfs source changes=() shared
  source="$(dotnet_root)"
  rootfs="$(dotnet_rootfs dotnet-aspnet)"
  mkdir -p "$rootfs/usr/share/dotnet/shared"
  cp -a "$source/dotnet" "$source/host" "$source"/*.txt "$rootfs/usr/share/dotnet/"
  for shared in Microsoft.NETCore.App Microsoft.AspNetCore.App; do
    [[ -n "$(newest_shared "$shared")" ]] || die "$source has no $shared 10.x"
    mkdir -p "$rootfs/usr/share/dotnet/shared/$shared"
    cp -a "$(newest_shared "$shared")" "$rootfs/usr/share/dotnet/shared/$shared/"
  done
  ln -sf /usr/share/dotnet/dotnet "$rootfs/usr/bin/dotnet"
  # The official image's unprivileged user, which the Dockerfiles switch to (USER $APP_UID).
  chroot "$rootfs" sh -c 'groupadd --gid 1654 app && useradd --no-log-init --uid 1654 --gid 1654 --create-home app'
  mapfile -t changes < <(dotnet_env)
  import_rootfs "$rootfs" "$1" "${changes[@]}"
}

build() {
  local name="$1" reference started=$SECONDS previous
  reference="$(standin_reference "$name")"
  previous="$("$ENGINE" image inspect --format '{{.Id}}' "$reference" 2>/dev/null || true)"
  base_rootfs
  say "building the stand-in $reference"
  "build_${name//-/_}" "$reference"
  # A rebuild leaves the previous image untagged: remove it unless something still uses it.
  [[ -z "$previous" ]] || "$ENGINE" rmi "$previous" >/dev/null 2>&1 || true
  say "$reference built in $((SECONDS - started)) s ($("$ENGINE" image inspect --format '{{.Size}}' "$reference" | awk '{ printf "%d MB", $1 / 1e6 }'))"
}

# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------

# One builder at a time per machine (two test runs starting together on a fresh machine).
lock() {
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.lock"
  flock 9
}

cmd_ensure() {
  local name official standin
  lock
  for name in "$@"; do
    official="$(official_reference "$name")"
    standin="$(standin_reference "$name")"
    if image_exists "$official"; then
      echo "$official"
    elif image_exists "$standin"; then
      echo "$standin" # made on an earlier run: the registry was out of reach then
    elif "$ENGINE" pull -q "$official" >/dev/null 2>"$CACHE/pull.log"; then
      say "pulled $official"
      echo "$official"
    else
      say "cannot pull $official ($(tail -n 1 "$CACHE/pull.log" | cut -c1-160)); using a local stand-in"
      build "$name" >&2 # stdout carries only the references
      echo "$standin"
    fi
  done
}

cmd_build() {
  local name
  lock
  for name in "$@"; do build "$name" >&2; done
}

cmd_remove() {
  local name reference
  lock
  for name in rabbitmq postgres dotnet-sdk dotnet-aspnet; do
    reference="$(standin_reference "$name")"
    if is_standin "$reference"; then "$ENGINE" rmi "$reference" >/dev/null && say "removed $reference"; fi
  done
  unmount_all
  rm -rf --one-file-system "$CACHE"/"$SUITE"-*
}

command="${1:-}"
(($# > 0)) && shift
case "$command" in
  ensure) (($# > 0)) || usage; cmd_ensure "$@" ;;
  build) (($# > 0)) || usage; cmd_build "$@" ;;
  remove) cmd_remove ;;
  *) usage ;;
esac

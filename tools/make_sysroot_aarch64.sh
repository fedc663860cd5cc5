#!/usr/bin/env bash
# Makes an aarch64 (Debian 12 "arm64") sysroot for cross-building foresight-edge: downloads the
# arm64 .deb closure of the edge's -dev packages with a private apt configuration (the host's
# dpkg and its architectures are never touched) and unpacks them into a folder. Cached: a
# sysroot made from the same package list is reused.
#   tools/make_sysroot_aarch64.sh [SYSROOT]   (default $FORESIGHT_SYSROOT or
#                                              ~/.cache/foresight/aarch64-sysroot)
# Prints the sysroot's path as its last line.
set -euo pipefail
SYSROOT=${1:-${FORESIGHT_SYSROOT:-$HOME/.cache/foresight/aarch64-sysroot}}
PACKAGES=(
  libc6-dev libstdc++-12-dev
  libtorch-dev libopenblas0-pthread
  libopencv-dev libboost-dev libcamera-dev
  libspdlog-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev
)
log() { printf '[make_sysroot] %s\n' "$*" >&2; }

# The cache key: the package list and this script (a changed recipe makes a new sysroot).
KEY=$( { printf '%s\n' "${PACKAGES[@]}"; cat "$0"; } | sha256sum | cut -c1-16)
if [ -f "$SYSROOT/.foresight-sysroot" ] && [ "$(cat "$SYSROOT/.foresight-sysroot")" = "$KEY" ]; then
  log "reusing $SYSROOT ($(du -sh "$SYSROOT" | cut -f1))"
  echo "$SYSROOT"
  exit 0
fi
command -v apt-get > /dev/null && command -v dpkg > /dev/null || {
  log "error: apt-get and dpkg are needed (Debian or Ubuntu host)"
  exit 1
}

WORK="$SYSROOT.partial"
rm -rf "$WORK"
mkdir -p "$WORK/apt/state/lists/partial" "$WORK/apt/cache/archives/partial" "$WORK/root"
: > "$WORK/apt/status"
# Only the architecture, state and cache are private; sources and keys are the host's.
cat > "$WORK/apt/apt.conf" <<CONF
APT::Architecture "arm64";
APT::Architectures { "arm64"; };
APT::Install-Recommends "false";
Dir::State "$WORK/apt/state";
Dir::State::status "$WORK/apt/status";
Dir::Cache "$WORK/apt/cache";
Debug::NoLocking "true";
APT::Sandbox::User "root";
CONF
export APT_CONFIG="$WORK/apt/apt.conf"
T0=$SECONDS
log "reading Debian's arm64 package lists"
apt-get -qq update
log "downloading the arm64 closure of: ${PACKAGES[*]}"
apt-get -qq install --download-only -y "${PACKAGES[@]}" > "$WORK/apt/install.log" 2>&1 ||
  { tail -n 20 "$WORK/apt/install.log" >&2; log "error: apt-get could not resolve or download the packages"; exit 1; }
DEBS=("$WORK"/apt/cache/archives/*.deb)
DOWNLOADED=$(du -sh "$WORK/apt/cache/archives" | cut -f1)
log "unpacking ${#DEBS[@]} packages ($DOWNLOADED)"
for deb in "${DEBS[@]}"; do dpkg -x "$deb" "$WORK/root"; done

# Absolute symlinks (e.g. libm.so -> /lib/aarch64-linux-gnu/libm.so.6) would point into the
# host: make them relative to the sysroot.
while IFS= read -r -d '' link; do
  target=$(readlink "$link")
  case "$target" in
    /*) ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$WORK/root$target")" "$link" ;;
  esac
done < <(find "$WORK/root" -type l -print0)
# What update-alternatives and ld.so.conf.d would give on the device: the BLAS/LAPACK sonames,
# and OpenBLAS itself (its folder is on the device's loader path, not the linker's or qemu's).
LIB="$WORK/root/usr/lib/aarch64-linux-gnu"
for so in libblas.so.3 liblapack.so.3 libopenblas.so.0; do
  [ -e "$LIB/$so" ] || ln -s "openblas-pthread/$so" "$LIB/$so"
done
[ -e "$LIB/libblas.so.3" ] || { log "error: no BLAS in the sysroot ($LIB/openblas-pthread)"; exit 1; }

echo "$KEY" > "$WORK/root/.foresight-sysroot"
rm -rf "$SYSROOT"
mkdir -p "$(dirname "$SYSROOT")"
mv "$WORK/root" "$SYSROOT"
rm -rf "$WORK"
log "sysroot ready in $((SECONDS - T0)) s: $SYSROOT ($(du -sh "$SYSROOT" | cut -f1) unpacked, $DOWNLOADED downloaded, ${#DEBS[@]} packages)"
echo "$SYSROOT"

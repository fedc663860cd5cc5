#!/usr/bin/env bash
# Builds Foresight and runs its whole test suite against Debian 13's LibTorch 2.6 (CPU), inside a
# Debian 13 ("trixie") root made with debootstrap from the mirror the host's apt already uses.
# Then, when the host has its own (LibTorch 1.13) build, checks that a checkpoint, .pt and .ptl
# written by either LibTorch load in the other (tests/compat/torch_compat_probe.cpp).
# Cached: the root is made once and reused; each run only installs packages it lacks.
#   tools/test_libtorch2.sh               root (made or updated), build, tests, cross-version check
#   tools/test_libtorch2.sh --root-only   root only (e.g. to warm a CI cache)
# Environment: FORESIGHT_TRIXIE_ROOT (default ~/.cache/foresight/trixie-root),
#   FORESIGHT_LT2_BUILD_DIR (the build folder inside the source tree, default build-libtorch2),
#   FORESIGHT_BUILD_DIR (the host's build, for the cross-version check; default build), JOBS,
#   FORESIGHT_ONEDNN (on|off, passed to the tests: off runs the suite as on a Zen 5 CPU, where
#   Foresight turns oneDNN off with LibTorch 2.x; common/util/torch_compat.hpp).
# Needs root (debootstrap, mount, chroot); runs itself through sudo otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
if [ "$(id -u)" -ne 0 ]; then exec sudo -E "$0" "$@"; fi
ROOT=${FORESIGHT_TRIXIE_ROOT:-$HOME/.cache/foresight/trixie-root}
BUILD_REL=${FORESIGHT_LT2_BUILD_DIR:-build-libtorch2}
HOST_BUILD=${FORESIGHT_BUILD_DIR:-$SRC/build}
JOBS=${JOBS:-$(nproc)}
SUITE=trixie
ROOT_ONLY=0
case "${1:-}" in
  "") ;;
  --root-only) ROOT_ONLY=1 ;;
  *) echo "usage: tools/test_libtorch2.sh [--root-only]" >&2; exit 2 ;;
esac
# foresight.sh's PACKAGES as Debian 13 names them (clang-format is left out: the host checks
# formatting), plus netcat-openbsd for the end-to-end scripts.
PACKAGES=(
  build-essential cmake ninja-build pkg-config file curl python3 netcat-openbsd
  libtorch-dev libopenblas0-openmp
  libopencv-dev libcamera-dev libboost-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev nlohmann-json3-dev libspdlog-dev libgif-dev gnuplot-nox
  libgloo-dev
  chromium
)
[[ $BUILD_REL != /* && $BUILD_REL != *..* ]] ||
  { echo "FORESIGHT_LT2_BUILD_DIR must be a folder inside the source tree" >&2; exit 2; }

log() { printf '\033[1m[libtorch2]\033[0m %s\n' "$*" >&2; }
TIMINGS=()
T_START=$SECONDS
phase_start() { PHASE=$1; T_PHASE=$SECONDS; log "$PHASE"; }
phase_end() { TIMINGS+=("$(printf '%-34s %5d s' "$PHASE" $((SECONDS - T_PHASE)))"); }

# One run at a time per root: a second waits rather than mounting into a root being made.
mkdir -p "$(dirname "$ROOT")"
exec 9> "$ROOT.lock"
flock 9

MOUNTS=()
cleanup() {
  local rc=$? pid i
  # Whatever still runs inside the root (a test killed by a signal leaves its children) would
  # keep the mounts busy; these processes were started by this script.
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    [ "$(readlink "/proc/$pid/root" 2> /dev/null)" = "$ROOT" ] && kill -9 "$pid" 2> /dev/null
  done
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
    umount "${MOUNTS[i]}" 2> /dev/null || { sleep 1; umount "${MOUNTS[i]}"; } ||
      { log "warning: ${MOUNTS[i]} is busy, detaching it lazily"; umount -l "${MOUNTS[i]}"; }
  done
  ((${#TIMINGS[@]})) && printf '%s\n' "${TIMINGS[@]}" >&2
  if [ "$rc" -eq 0 ]; then log "passed in $((SECONDS - T_START)) s"; else
    log "FAILED (exit $rc) after $((SECONDS - T_START)) s"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mount_in_root() {  # mount_in_root TARGET MOUNT-ARGS...
  local target="$ROOT$1"
  shift
  mkdir -p "$target"
  mount "$@" "$target"
  MOUNTS+=("$target")
}

in_root() {  # in_root COMMAND: runs bash -c COMMAND in the root with a clean environment
  chroot "$ROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin JOBS="$JOBS" \
    DEBIAN_FRONTEND=noninteractive ${FORESIGHT_ONEDNN:+FORESIGHT_ONEDNN="$FORESIGHT_ONEDNN"} \
    /bin/bash -c "$1"
}

# The Debian mirror the host's apt uses for its own release (deb.debian.org when none is found).
host_mirror() {
  local codename
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2> /dev/null |
    awk -v c="$codename" '$2 == c { print $1; exit }' | grep . || echo http://deb.debian.org/debian/
}

if [ ! -f "$ROOT/.foresight-trixie-root" ]; then
  phase_start "debootstrap $SUITE"
  command -v debootstrap > /dev/null ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends debootstrap; }
  MIRROR=$(host_mirror)
  rm -rf "$ROOT.partial"
  debootstrap --variant=minbase "$SUITE" "$ROOT.partial" "$MIRROR" > "$ROOT.debootstrap.log" 2>&1 ||
    { tail -n 20 "$ROOT.debootstrap.log" >&2; log "error: debootstrap $SUITE from $MIRROR failed"; exit 1; }
  echo "$SUITE $MIRROR" > "$ROOT.partial/.foresight-trixie-root"
  rm -rf "$ROOT"
  mv "$ROOT.partial" "$ROOT"
  phase_end
fi

mount_in_root /proc -t proc proc  # cpuinfo (OpenMP, UCX) and /proc/self for the tests
mount_in_root /dev/shm -t tmpfs -o mode=1777,size=512m shm  # Chromium's shared memory
mount_in_root /src --bind "$SRC"

phase_start "packages (Debian 13)"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2> /dev/null || true
in_root "missing=(); for p in ${PACKAGES[*]}; do
    dpkg-query -W -f='\${Status}' \$p 2>/dev/null | grep -q 'install ok installed' || missing+=(\$p)
  done
  [ \${#missing[@]} -eq 0 ] && { echo 'all present'; exit 0; }
  echo \"installing: \${missing[*]}\"
  apt-get update -qq && apt-get install -y -qq --no-install-recommends \"\${missing[@]}\" \
    > /var/log/foresight-apt.log 2>&1 || { tail -n 20 /var/log/foresight-apt.log; exit 1; }" >&2
in_root 'dpkg-query -W -f="LibTorch \${Version}, " libtorch-dev; g++ --version | head -n1;
  cmake --version | head -n1' | paste -sd' ' >&2
phase_end
[ "$ROOT_ONLY" -eq 0 ] || exit 0

phase_start "build (Release, LibTorch 2.6)"
in_root "cd /src && cmake -S . -B $BUILD_REL -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null &&
  cmake --build $BUILD_REL -j $JOBS"
phase_end

# Which CPU ran the suite: some give wrong numbers with some of LibTorch's kernels (torch_compat.hpp).
log "CPU: $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2-) (vendor $(grep -m1 '^vendor_id' \
  /proc/cpuinfo | cut -d: -f2- | tr -d ' '), family $(grep -m1 '^cpu family' /proc/cpuinfo |
  cut -d: -f2- | tr -d ' ')); FORESIGHT_ONEDNN=${FORESIGHT_ONEDNN:-unset}"
phase_start "tests (ctest, LibTorch 2.6)"
in_root "cd /src && ctest --test-dir $BUILD_REL --output-on-failure -j $JOBS --timeout 600" |
  tee "$SRC/$BUILD_REL/ctest.log" | grep -E '^[0-9]+% tests passed|tests? failed|Total Test time' >&2 ||
  true
grep -q '^100% tests passed' "$SRC/$BUILD_REL/ctest.log" ||
  { grep -E 'Failed|Not Run|\*\*\*' "$SRC/$BUILD_REL/ctest.log" >&2; log "error: tests failed on LibTorch 2.6 (see $BUILD_REL/ctest.log)"; exit 1; }
phase_end

# Cross-version loading: 1.13 (the host's build) writes, 2.6 reads, and the other way round.
if [ -f "$HOST_BUILD/build.ninja" ]; then
  phase_start "cross-version files (1.13 <-> 2.6)"
  cmake --build "$HOST_BUILD" -j "$JOBS" --target torch_compat_probe > /dev/null
  DIR=$BUILD_REL/torch-compat
  rm -rf "$SRC/$DIR" && mkdir -p "$SRC/$DIR"
  "$HOST_BUILD/tests/torch_compat_probe" write "$SRC/$DIR/from-host" >&2
  in_root "cd /src && $BUILD_REL/tests/torch_compat_probe write $DIR/from-root" >&2
  status=0
  in_root "cd /src && $BUILD_REL/tests/torch_compat_probe read $DIR/from-host" >&2 || status=1
  "$HOST_BUILD/tests/torch_compat_probe" read "$SRC/$DIR/from-root" >&2 || status=1
  [ "$status" -eq 0 ] || { log "error: files from one LibTorch do not load in the other"; exit 1; }
  phase_end
else
  log "no host build in $HOST_BUILD: cross-version check skipped (./foresight.sh build first)"
fi

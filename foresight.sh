#!/usr/bin/env bash
# Foresight's single entry point: installs Debian packages (idempotent), builds in Release, runs a job.
#   ./foresight.sh test    install, build, run the whole test suite (ctest), the aarch64 check,
#                          then the suite again against Debian 13's LibTorch 2.6 (libtorch2)
#   ./foresight.sh demo    install, build, synthetic data -> train (tiny) -> export -> edge daemon + sim
#   ./foresight.sh cross   aarch64: sysroot (cached), cross-build foresight-edge, tests under qemu, .deb
#   ./foresight.sh libtorch2  Debian 13 root (cached), build and test against LibTorch 2.6, files
#                          written by 1.13 read by 2.6 and the other way round
#   ./foresight.sh build   install and build only
#   ./foresight.sh format  clang-format every C++ file in place (test checks it first)
#   ./foresight.sh deps    install Debian packages only
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
BUILD=${FORESIGHT_BUILD_DIR:-$ROOT/build}
JOBS=${JOBS:-$(nproc)}

PACKAGES=(
  build-essential cmake ninja-build pkg-config file curl python3 clang-format
  libtorch-dev libopenblas0-openmp
  libopencv-dev libcamera-dev libboost-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev nlohmann-json3-dev libspdlog-dev libgif-dev gnuplot-nox
  libgloo-dev
  chromium
)
# The aarch64 cross build (./foresight.sh cross): compiler, user-mode emulator, dpkg-deb for CPack.
CROSS_PACKAGES=(g++-aarch64-linux-gnu qemu-user dpkg-dev)
CROSS_BUILD=${FORESIGHT_CROSS_BUILD_DIR:-$ROOT/build-aarch64}
# The LibTorch 2.6 run (./foresight.sh libtorch2): a Debian 13 root, made by tools/test_libtorch2.sh.
LIBTORCH2_PACKAGES=(debootstrap)

log() { printf '\033[1m[foresight.sh]\033[0m %s\n' "$*" >&2; }

install_deps() {
  local missing=()
  for p in "${PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then log "Debian packages: all present"; return; fi
  log "installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() {
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  cmake --build "$BUILD" -j "$JOBS"
}

# Cross-builds foresight-edge for aarch64 against a Debian 12 arm64 sysroot, checks the binary,
# runs the aarch64 test subset under qemu (protocol codec, corpus replay, parity of 5 steps with
# the native build's output of the same .ptl) and packages the .deb. Needs the native build.
cross() {
  local sysroot t0=$SECONDS
  sysroot=$(FORESIGHT_SYSROOT=${FORESIGHT_SYSROOT:-} "$ROOT/tools/make_sysroot_aarch64.sh" | tail -n1)
  cmake --build "$BUILD" -j "$JOBS" --target parity_probe
  "$BUILD/tests/parity_probe" export "$CROSS_BUILD/parity-x86_64" > /dev/null
  log "aarch64: configuring $CROSS_BUILD (sysroot $sysroot)"
  cmake -S "$ROOT" -B "$CROSS_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_TOOLCHAIN_FILE="$ROOT/toolchains/aarch64-linux-gnu.cmake" -DFORESIGHT_SYSROOT="$sysroot" \
    -DFORESIGHT_BUILD_TRAINER=OFF -DFORESIGHT_BUILD_BENCH=OFF \
    -DFORESIGHT_PARITY_DIR="$CROSS_BUILD/parity-x86_64" > /dev/null
  cmake --build "$CROSS_BUILD" -j "$JOBS"
  local kind
  kind=$(file -b "$CROSS_BUILD/edge/foresight-edge")
  case "$kind" in *"ARM aarch64"*) log "aarch64: foresight-edge is $kind" ;;
    *) log "error: foresight-edge is not an aarch64 binary: $kind"; return 1 ;; esac
  ctest --test-dir "$CROSS_BUILD" --output-on-failure -j "$JOBS" --timeout 900
  (cd "$CROSS_BUILD" && cpack -G DEB > /dev/null)
  local deb
  deb=$(ls "$CROSS_BUILD"/foresight-edge_*_arm64.deb)
  # The package unpacks into a scratch root with the binary, the unit and the config in place.
  local scratch="$CROSS_BUILD/deb-root" f
  rm -rf "$scratch" && dpkg -x "$deb" "$scratch"
  for f in usr/bin/foresight-edge usr/lib/systemd/system/foresight-edge.service etc/foresight/edge.ini; do
    [ -s "$scratch/$f" ] || { log "error: $deb lacks /$f"; return 1; }
  done
  dpkg-deb -I "$deb" conffiles | grep -qx /etc/foresight/edge.ini ||
    { log "error: /etc/foresight/edge.ini is not a conffile of $deb"; return 1; }
  log "aarch64: done in $((SECONDS - t0)) s; package $deb"
}

# The C++ sources under version control (.clang-format at the root says how they look).
cxx_sources() { git -C "$ROOT" ls-files '*.cpp' '*.hpp' '*.h' '*.cc'; }

format_check() {
  local bad
  bad=$(cxx_sources | xargs clang-format --dry-run 2>&1 | grep -c 'warning:' || true)
  if [ "$bad" != 0 ]; then
    cxx_sources | xargs clang-format --dry-run 2>&1 | grep 'warning:' | cut -d: -f1 | sort -u >&2
    log "error: the files above do not follow .clang-format ($bad places): ./foresight.sh format"
    return 1
  fi
  log "formatting: every C++ file follows .clang-format"
}

case "${1:-help}" in
  deps) install_deps ;;
  format) install_deps; cxx_sources | (cd "$ROOT" && xargs clang-format -i); format_check ;;
  build) install_deps; build ;;
  test)
    install_deps "${CROSS_PACKAGES[@]}" "${LIBTORCH2_PACKAGES[@]}"; format_check; build
    ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS" --timeout 600
    cross
    "$ROOT/tools/test_libtorch2.sh"
    ;;
  cross)
    install_deps "${CROSS_PACKAGES[@]}"; build
    cross
    ;;
  libtorch2)
    install_deps "${LIBTORCH2_PACKAGES[@]}"; build
    exec "$ROOT/tools/test_libtorch2.sh"
    ;;
  demo)
    install_deps; build
    exec "$ROOT/tools/demo.sh" "$BUILD"
    ;;
  *)
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    [ "${1:-help}" = help ] || exit 2
    ;;
esac

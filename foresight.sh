#!/usr/bin/env bash
# Foresight's single entry point: installs Debian packages (idempotent), builds in Release, runs a job.
#   ./foresight.sh test    install, build, run the whole test suite (ctest)
#   ./foresight.sh demo    install, build, synthetic data -> train (tiny) -> export -> edge daemon + sim
#   ./foresight.sh build   install and build only
#   ./foresight.sh deps    install Debian packages only
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
BUILD=${FORESIGHT_BUILD_DIR:-$ROOT/build}
JOBS=${JOBS:-$(nproc)}

PACKAGES=(
  build-essential cmake ninja-build pkg-config file curl python3
  libtorch-dev libopenblas0-openmp
  libopencv-dev libcamera-dev libboost-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev nlohmann-json3-dev libspdlog-dev libgif-dev gnuplot-nox
  chromium
)

log() { printf '\033[1m[foresight.sh]\033[0m %s\n' "$*" >&2; }

install_deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
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

case "${1:-help}" in
  deps) install_deps ;;
  build) install_deps; build ;;
  test)
    install_deps; build
    ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS" --timeout 600
    ;;
  demo)
    install_deps; build
    exec "$ROOT/tools/demo.sh" "$BUILD"
    ;;
  *)
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
    [ "${1:-help}" = help ] || exit 2
    ;;
esac

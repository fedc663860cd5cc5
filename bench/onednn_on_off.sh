#!/usr/bin/env bash
# What switching oneDNN off costs on LibTorch 2.6 (torch_compat.hpp, use_safe_cpu_kernels): runs
# the 2.6 build's training, evaluation and edge-step benchmarks inside the Debian 13 root with
# FORESIGHT_ONEDNN=on and =off, interleaved, ROUNDS rounds (default 2), 2 threads.
#   bench/onednn_on_off.sh [ROUNDS]      (after tools/test_libtorch2.sh; needs root for chroot)
# Environment: FORESIGHT_TRIXIE_ROOT, FORESIGHT_LT2_BUILD_DIR as tools/test_libtorch2.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=${FORESIGHT_TRIXIE_ROOT:-$HOME/.cache/foresight/trixie-root}
BUILD_REL=${FORESIGHT_LT2_BUILD_DIR:-build-libtorch2}
ROUNDS=${1:-2}
[ -x "$BUILD_REL/bench/bench_training" ] || { echo "no $BUILD_REL: run tools/test_libtorch2.sh first" >&2; exit 2; }
MOUNTS=()
cleanup() { for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do umount "${MOUNTS[i]}"; done; }
trap cleanup EXIT
for m in proc sys dev src; do
  src=/$m
  [ $m = src ] && src=$PWD
  mkdir -p "$ROOT/$m"
  mountpoint -q "$ROOT/$m" || { mount --bind "$src" "$ROOT/$m"; MOUNTS+=("$ROOT/$m"); }
done
run() {  # run on|off BINARY FILTER
  chroot "$ROOT" /usr/bin/env -i HOME=/root PATH=/usr/bin:/bin FORESIGHT_THREADS=2 \
    FORESIGHT_ONEDNN="$1" "/src/$BUILD_REL/bench/$2" --benchmark_filter="$3" 2>&1 | grep -E '^BM_'
}
for ((r = 1; r <= ROUNDS; r++)); do
  for mode in on off; do
    echo "== round $r, oneDNN $mode"
    run $mode bench_training 'BM_TrainIteration/0/1/0/|BM_Evaluate/0/1/'
    run $mode bench_inference 'BM_EdgeStep'
  done
done

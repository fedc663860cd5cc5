#!/usr/bin/env bash
# The trainer on a GPU, in one go (docs/training.md, "Training on a GPU workstation"): builds the
# trainer against the LibTorch inside the Python torch install (a CUDA LibTorch), runs the CUDA
# tests (edge step, loss and gradients CUDA vs CPU; resume across devices), the training
# benchmark beside a plain PyTorch eager loop of the same network, then a few minutes of
# paper-preset training on synthetic data made on the spot. Writes summary.md (and the logs,
# the test report, metrics.csv: 8 files at most) into $OUT, or ./gpu_check-out without it.
# Scratch data and the run go to ${TMPDIR:-/tmp}/foresight-gpu-check.
#
#   tools/gpu_check.sh                 on a GPU machine (CUDA toolkit, CMake, ninja, python3 torch)
#   tools/gpu_check.sh --cpu           here, as a smoke test: the same phases on the CPU, shortened
#
# Options: --build DIR (default build-gpu; reused when configured), --train-seconds N (default
# 150; shrunk to end within --deadline N seconds of the start, default 540), --no-build. What the GPU machine lacks (OpenCV, spdlog, CLI11, ...) comes from
# .gpu_bundle/ (tools/make_gpu_bundle.sh) when present. Phases that fail are reported and the
# next ones still run where they can; the exit code is the number of failed phases.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CPU=0 BUILD=$ROOT/build-gpu TRAIN_SECONDS=150 DO_BUILD=1 DEADLINE=540
while [ $# -gt 0 ]; do
  case $1 in
    --cpu) CPU=1 ;;
    --build) BUILD=$(realpath -m "$2"); shift ;;
    --train-seconds) TRAIN_SECONDS=$2; shift ;;
    --deadline) DEADLINE=$2; shift ;;
    --no-build) DO_BUILD=0 ;;
    -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "gpu_check: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
OUT=${OUT:-$ROOT/gpu_check-out}
mkdir -p "$OUT"
SUMMARY=$OUT/summary.md
FAILED=0
T0=$SECONDS
log() { printf '[gpu_check %4ds] %s\n' $((SECONDS - T0)) "$*" >&2; }
say() { printf '%s\n' "$*" >> "$SUMMARY"; }
fail() { FAILED=$((FAILED + 1)); say "- **FAILED**: $*"; log "FAILED: $*"; }
PY=python3
[ "$CPU" = 1 ] && [ -x /usr/bin/python3 ] && PY=/usr/bin/python3  # Debian's python3-torch
DEVICE=cuda
[ "$CPU" = 1 ] && DEVICE=cpu
JOBS=$(nproc)

: > "$SUMMARY"
say "# gpu_check — $(date -u '+%Y-%m-%d %H:%M UTC')"
say ""
say "## Machine"
say '```'
{
  uname -srm
  grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'
  echo "$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB"
  (ldd --version | head -n1) 2>&1
  (c++ --version | head -n1) 2>&1
  (cmake --version | head -n1) 2>&1
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -n2
  (nvcc --version | tail -n1) 2>&1
  $PY -c 'import torch; print("python torch", torch.__version__, "cuda", torch.version.cuda,
"cxx11abi", torch.compiled_with_cxx11_abi())' 2>&1
} >> "$SUMMARY"
say '```'

# --- Build ----------------------------------------------------------------------------------
if [ -f "$ROOT/.gpu_bundle/env.sh" ]; then
  # shellcheck disable=SC1091
  source "$ROOT/.gpu_bundle/env.sh"
  log "dependency bundle: $ROOT/.gpu_bundle"
fi
TORCH_PREFIX=$($PY -c 'import torch, os; p = torch.utils.cmake_prefix_path; print(p if os.path.isdir(os.path.join(p, "Torch")) else "")' 2>/dev/null || true)
if [ "$DO_BUILD" = 1 ]; then
  log "building in $BUILD (LibTorch: ${TORCH_PREFIX:-the system one})"
  t=$SECONDS
  if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    # TORCH_CUDA_ARCH_LIST: there is no CUDA source to compile; it only quiets the arch probe.
    # The bundle's prefix comes through the environment's CMAKE_PREFIX_PATH (env.sh).
    TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-9.0} cmake -S "$ROOT" -B "$BUILD" -G Ninja \
      -DCMAKE_BUILD_TYPE=Release -DFORESIGHT_BUILD_EDGE=OFF \
      ${TORCH_PREFIX:+-DCMAKE_PREFIX_PATH="$TORCH_PREFIX"} \
      >> "$OUT/build.log" 2>&1 || fail "configure (build.log)"
  fi
  cmake --build "$BUILD" -j "$JOBS" --target foresight test_trainer bench_training \
    >> "$OUT/build.log" 2>&1 || fail "build (build.log: $(grep -m1 -E 'error' "$OUT/build.log"))"
  say ""
  say "Built foresight, test_trainer, bench_training in $((SECONDS - t)) s ($JOBS jobs)."
fi
FS=$BUILD/trainer/foresight
if [ ! -x "$FS" ]; then
  fail "no $FS: nothing more to run"
  exit "$FAILED"
fi

# --- CUDA tests -----------------------------------------------------------------------------
say ""
say "## Tests (CUDA against the CPU)"
log "tests"
TESTS='Cuda*:*CudaLoss*:GradClip.*:OptimizerState.*:Checkpoint.ResumedRun*:Training.*:Precision.*'
"$BUILD/tests/test_trainer" --gtest_filter="$TESTS" --gtest_output="xml:$OUT/tests.xml" \
  > "$OUT/tests.log" 2>&1 || fail "tests (tests.log)"
say '```'
grep -E '^\[ +(OK|FAILED|SKIPPED) +\]|PASSED|relative_error' "$OUT/tests.log" | sort -u >> "$SUMMARY"
grep -oE '(worst_gradient_)?relative_error="[^"]*"' "$OUT/tests.xml" 2>/dev/null >> "$SUMMARY"
say '```'

# --- Benchmark beside plain PyTorch ---------------------------------------------------------
say ""
say "## Training iteration: Foresight vs a plain PyTorch eager loop (paper preset, batch 12)"
log "benchmark"
if [ "$CPU" = 1 ]; then
  FORESIGHT_THREADS=2 "$BUILD/bench/bench_training" --benchmark_filter='BM_TrainIteration/0/1/0/' \
    --benchmark_min_time=1 > "$OUT/bench.log" 2>&1 || fail "bench_training (bench.log)"
  say '```'
  grep BM_ "$OUT/bench.log" >> "$SUMMARY"
  say '```'
  SEQ_PER_S=$(grep -oE 'sequences_per_s=[0-9.]+' "$OUT/bench.log" | head -n1 | cut -d= -f2)
else
  $PY "$ROOT/bench/vs_eager.py" "$BUILD" --device cuda --rounds 2 > "$OUT/bench.log" 2>&1 ||
    fail "vs_eager (bench.log)"
  sed -n '/^| |/,$p' "$OUT/bench.log" >> "$SUMMARY"
  SEQ_PER_S=$(grep -oE '"cpp_train": [0-9.]+' "$OUT/bench.log" | tail -n1 | awk '{print $2}')
  # --precision bf16 beside float32 on the same GPU (autocast; not a pass/fail figure).
  say ""
  say "bf16 autocast (\`--precision bf16\`) beside float32, both families:"
  "$BUILD/bench/bench_training" --benchmark_min_time=3 \
    --benchmark_filter='BM_TrainIteration/1/1/0/|BM_TrainIterationBf16/1/|BM_PoseTrainIteration(Bf16)?/1/' \
    > "$OUT/bench_bf16.log" 2>&1 || fail "bench_training bf16 (bench_bf16.log)"
  say '```'
  grep -E '^BM_' "$OUT/bench_bf16.log" >> "$SUMMARY"
  say '```'
fi

# --- Paper-preset training on data made on the spot -----------------------------------------
# Within the deadline: ~40 s go to data, start-up and the last validation.
LEFT=$((DEADLINE - (SECONDS - T0) - 40))
[ "$LEFT" -lt "$TRAIN_SECONDS" ] && TRAIN_SECONDS=$((LEFT > 20 ? LEFT : 20))
say ""
say "## Paper preset, $TRAIN_SECONDS s of training on synthetic data made here"
log "data"
SCRATCH=${TMPDIR:-/tmp}/foresight-gpu-check
DATA=$SCRATCH/data
"$FS" --log-level warn data generate --out "$DATA" --train 512 --validate 64 --test 0 \
  --frames 30 --seed 1 > "$OUT/train.log" 2>&1 || fail "data generate (train.log)"
# Iterations per epoch from the benchmark's rate, so that the epochs fit the time given.
EPOCHS=4 VAL=64
[ "$CPU" = 1 ] && EPOCHS=2 VAL=16
ITERS=$(awk -v r="${SEQ_PER_S:-1}" -v s="$TRAIN_SECONDS" -v e=$EPOCHS \
  'BEGIN { n = int(0.6 * r * s / (12 * e)); print (n < 2 ? 2 : n) }')
log "training: $EPOCHS epochs x $ITERS iterations on $DEVICE"
RUN=$SCRATCH/run
rm -rf "$RUN"
UTIL=$OUT/gpu_utilisation.csv
if [ "$CPU" = 0 ]; then
  nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader,nounits -lms 500 \
    > "$UTIL" 2> /dev/null &
  SMI=$!
fi
t=$SECONDS
"$FS" train --preset paper --data "$DATA" --out "$RUN" --device "$DEVICE" --epochs $EPOCHS \
  --iters-per-epoch "$ITERS" --val-sequences $VAL --threads 0 >> "$OUT/train.log" 2>&1 ||
  fail "training (train.log)"
TRAIN_S=$((SECONDS - t))
[ "$CPU" = 0 ] && kill "$SMI" 2> /dev/null
cp "$RUN/metrics.csv" "$OUT/" 2> /dev/null
say ""
say "$EPOCHS epochs x $ITERS iterations x batch 12 in $TRAIN_S s (validation included):"
say "$(awk -v n=$((EPOCHS * ITERS * 12)) -v s=$TRAIN_S 'BEGIN { printf "%.1f sequences/s overall", n / s }')"
if [ -s "$UTIL" ]; then
  say "$(awk -F', ' '{ u += $1; m = $2 > m ? $2 : m; n++ } END { printf "GPU utilisation %.0f%% on average over %d samples, memory up to %d MiB", u / n, n, m }' "$UTIL")"
fi
say ""
say '```'
grep -E '\| device |epoch [0-9]+/[0-9]+:|FAILED|error' "$OUT/train.log" >> "$SUMMARY"
say '```'

# --- Data parallel (CUDA only): one NCCL rank on the GPU, then 2 Gloo ranks sharing it --------
if [ "$CPU" = 0 ]; then
  say ""
  say "## Data parallel: 1 NCCL rank on the GPU, 2 Gloo ranks sharing it (tiny, 2 x 5 steps)"
  log "data parallel"
  DP=(train --preset tiny --data "$DATA" --device cuda --epochs 2 --iters-per-epoch 5
    --batch-size 8 --val-sequences 8 --threads 2)
  port=$((29500 + RANDOM % 2000))
  RANK=0 WORLD_SIZE=1 LOCAL_RANK=0 LOCAL_WORLD_SIZE=1 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \
    timeout 300 "$FS" "${DP[@]}" --dist-backend nccl --out "$SCRATCH/dp-nccl" \
    > "$OUT/dp_nccl.log" 2>&1 || fail "1 NCCL rank (dp_nccl.log)"
  pids=()
  for r in 0 1; do
    RANK=$r WORLD_SIZE=2 LOCAL_RANK=0 LOCAL_WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 \
      MASTER_PORT=$((port + 1)) timeout 300 "$FS" "${DP[@]}" --dist-backend gloo \
      --out "$SCRATCH/dp-gloo" > "$OUT/dp_gloo_$r.log" 2>&1 &
    pids+=($!)
  done
  for r in 0 1; do wait "${pids[$r]}" || fail "Gloo rank $r of 2 on one GPU (dp_gloo_$r.log)"; done
  say '```'
  grep -hE 'data parallel:|epoch [0-9]+/[0-9]+|error' "$OUT"/dp_*.log >> "$SUMMARY"
  say '```'
fi

log "done in $((SECONDS - T0)) s, $FAILED failed phase(s); summary in $SUMMARY"
cat "$SUMMARY"
exit "$FAILED"

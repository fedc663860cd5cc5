#!/usr/bin/env bash
# The live figure of docs/results.md: a trained run exported, served by foresight-edge, driven by
# `foresight sim` (the synthetic robot) for each world seed given; prints the 1-step PSNR of the
# streamed predictions against the frame that came next, beside copy-last's.
# Usage: tools/live_check.sh BUILD_DIR RUN_DIR [SEEDS]   (SEEDS default "1 9"; FRAMES, FPS, PORT)
set -euo pipefail
BUILD=${1:?usage: tools/live_check.sh BUILD_DIR RUN_DIR [SEEDS]}
RUN=${2:?usage: tools/live_check.sh BUILD_DIR RUN_DIR [SEEDS]}
SEEDS=${3:-1 9}
PORT=${PORT:-7171}
"$BUILD/trainer/foresight" export --checkpoint "$RUN" --out "$RUN/live.ptl" > /dev/null
"$BUILD/edge/foresight-edge" --model "$RUN/live.ptl" --camera socket --threads 1 \
  --telemetry "tcp://127.0.0.1:$PORT" --http "127.0.0.1:$((PORT + 1))" > "$RUN/live_edge.log" 2>&1 &
EDGE=$!
trap 'kill $EDGE 2>/dev/null || true' EXIT
for _ in $(seq 300); do
  curl -sf --max-time 1 "http://127.0.0.1:$((PORT + 1))/healthz" > /dev/null && break
  sleep 0.1
done
for seed in $SEEDS; do
  echo "sim seed $seed:"
  "$BUILD/trainer/foresight" sim --edge "127.0.0.1:$PORT" --frames "${FRAMES:-300}" \
    --fps "${FPS:-40}" --seed "$seed" --json "$RUN/live_seed$seed.json" 2>&1 | grep '1-step PSNR'
done

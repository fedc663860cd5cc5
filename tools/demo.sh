#!/usr/bin/env bash
# The README's main job, after ./foresight.sh has installed and built:
# synthetic data -> train (tiny preset, CPU) -> evaluate -> export -> edge daemon + robot simulator.
# Usage: tools/demo.sh BUILD_DIR   (outputs under ./out/demo; DEMO_* variables override sizes)
set -euo pipefail
BUILD=${1:?usage: tools/demo.sh BUILD_DIR}
OUT=${DEMO_OUT:-$PWD/out/demo}
FORESIGHT=$BUILD/trainer/foresight
EDGE=$BUILD/edge/foresight-edge
PRIOR=${DEMO_PRIOR:-learned}
mkdir -p "$OUT"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1/5 synthetic robot-pushing dataset -> $OUT/data"
if [ ! -f "$OUT/data/.complete" ]; then
  "$FORESIGHT" data generate --out "$OUT/data" --train "${DEMO_TRAIN:-1024}" --validate 64 --test 128 --seed 1
  touch "$OUT/data/.complete"
fi
"$FORESIGHT" data check "$OUT/data"

step "2/5 train (tiny preset, $PRIOR prior) -> $OUT/run"
if [ -f "$OUT/run/last.ckpt" ]; then
  "$FORESIGHT" train --resume "$OUT/run" ${DEMO_TRAIN_FLAGS:-}
else
  "$FORESIGHT" train --preset tiny --prior "$PRIOR" --data "$OUT/data" --out "$OUT/run" ${DEMO_TRAIN_FLAGS:-}
fi

step "3/5 evaluate on the test split (best of ${DEMO_SAMPLES:-5} samples)"
"$FORESIGHT" eval --checkpoint "$OUT/run" --data "$OUT/data" --split test \
  --samples "${DEMO_SAMPLES:-5}" --json "$OUT/run/eval_test.json"

step "4/5 export -> $OUT/model.ptl, $OUT/model.pt"
"$FORESIGHT" export --checkpoint "$OUT/run" --out "$OUT/model.ptl" --out "$OUT/model.pt"

step "5/5 edge daemon + simulated robot"
if [ ! -x "$EDGE" ]; then
  echo "foresight-edge is not built yet: the chain stops at the exported model ($OUT/model.ptl)."
  echo "Plots: $OUT/run/plots  Pictures: $OUT/run/samples, $OUT/run/eval_test"
  exit 0
fi
"$EDGE" --model "$OUT/model.ptl" --camera socket --telemetry tcp://127.0.0.1:7070 \
  --http 127.0.0.1:8080 &
EDGE_PID=$!
trap 'kill $EDGE_PID 2>/dev/null || true' EXIT
for _ in $(seq 300); do  # loading and warming up the model takes a moment
  curl -sf --max-time 1 http://127.0.0.1:8080/healthz > /dev/null && break
  kill -0 $EDGE_PID 2>/dev/null || { echo "foresight-edge exited at start-up" >&2; exit 1; }
  sleep 0.1
done
echo "Watch the predictions at http://127.0.0.1:8080/"
# On a terminal the robot keeps going until Ctrl-C, so there is time to open the page; from a
# script or CI (no terminal) it stops after DEMO_FRAMES steps (default 300).
if [ -t 0 ] && [ -t 1 ] && [ -z "${DEMO_FRAMES:-}" ]; then
  echo "The simulated robot runs until Ctrl-C."
  trap 'echo; echo "stopped"; exit 0' INT
  "$FORESIGHT" sim --edge 127.0.0.1:7070 --frames 10000000 --json "$OUT/sim.json" || true
else
  "$FORESIGHT" sim --edge 127.0.0.1:7070 --frames "${DEMO_FRAMES:-300}" --json "$OUT/sim.json"
fi

#!/usr/bin/env bash
# Every documented exit code of both binaries (README.md, docs/training.md, docs/edge.md),
# provoked through the real binaries: 0 help, 2 bad command line or flag value, 3 malformed
# dataset / checkpoint / model file, 4 a training run whose loss goes non-finite, 1 any other
# failure (here: a camera that is not there). 0 on SIGTERM is checked by edge_end_to_end.sh.
# Usage: exit_codes.sh FORESIGHT FORESIGHT_EDGE OUT_DIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"

# expect CODE NAME CMD...: runs CMD (output to $OUT/NAME.log) and checks its exit code.
expect() {
  local want=$1 name=$2 code=0
  shift 2
  "$@" > "$OUT/$name.log" 2>&1 || code=$?
  [ "$code" = "$want" ] || { tail -n 5 "$OUT/$name.log" >&2; e2e_fail "$name: exit $code, expected $want"; }
  e2e_log "$name: exit $code"
}

expect 0 fs-help "$FS" --help
expect 0 edge-help "$EDGE" --help
expect 2 fs-unknown-flag "$FS" train --no-such-flag
expect 2 fs-bad-value "$FS" train --data "$OUT" --out "$OUT/x" --lr -1
# Model shapes are flags too: the model definitions' own checks must come out as usage errors.
expect 2 fs-bad-model-shape "$FS" train --data "$OUT" --out "$OUT/x" --z-dim 0
expect 2 fs-bad-pose-shape "$FS" train --model pose --data "$OUT" --out "$OUT/x" --static-background -1
expect 2 edge-unknown-flag "$EDGE" --model m.ptl --no-such-flag
expect 2 edge-bad-address "$EDGE" --model m.ptl --telemetry tcp://nowhere

mkdir -p "$OUT/broken/train/traj_0_to_255/0"
echo "not a csv" > "$OUT/broken/train/traj_0_to_255/0/actions.csv"
expect 3 fs-bad-dataset "$FS" data check "$OUT/broken"
mkdir -p "$OUT/badrun" && head -c 4096 /dev/urandom > "$OUT/badrun/best.ckpt"
expect 3 fs-bad-checkpoint "$FS" export --checkpoint "$OUT/badrun/best.ckpt" --out "$OUT/x.ptl"
expect 3 fs-bad-checkpoint-eval "$FS" eval --checkpoint "$OUT/badrun/best.ckpt" --data "$OUT/broken"
expect 3 edge-missing-model "$EDGE" --model "$OUT/missing.ptl"
cp "$OUT/badrun/best.ckpt" "$OUT/corrupt.ptl"
expect 3 edge-corrupt-model "$EDGE" --model "$OUT/corrupt.ptl"

# A learning rate so large that the second iteration's loss is not finite.
"$FS" --log-level warn data generate --out "$OUT/data" --train 4 --validate 2 --test 0 \
  --frames 8 --seed 3 > "$OUT/data.log" 2>&1 || e2e_fail "data generate"
# --device cuda where there is none: a usage error (2) naming the reason, before any work.
if ! nvidia-smi -L > /dev/null 2>&1; then
  expect 2 fs-no-cuda "$FS" train --preset tiny --data "$OUT/data" --out "$OUT/nocuda" \
    --device cuda --epochs 1
  grep -q "device cuda" "$OUT/fs-no-cuda.log" || e2e_fail "fs-no-cuda: no message naming --device"
fi
expect 4 fs-diverged "$FS" train --preset tiny --data "$OUT/data" --out "$OUT/diverged" --epochs 1 \
  --iters-per-epoch 4 --batch-size 2 --val-sequences 2 --width 0.0625 --g-dim 16 --z-dim 4 \
  --rnn-size 16 --n-past 2 --n-future 2 --lr 1e30 --grad-clip 0 --threads 1

e2e_model
expect 1 edge-no-camera "$EDGE" --model "$OUT/model.ptl" --camera v4l2:///dev/video99 \
  --telemetry tcp://127.0.0.1:0 --http off
e2e_log "every exit code as documented"

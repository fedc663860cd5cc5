#!/usr/bin/env bash
# The pose ablation of docs/results.md: the tiny pose preset on 16 training dancers of 640 frames
# (the generator's default) and on 64 dancers of 160 frames (the same 10240 frames), with and
# without the previous pose, each rolled out over 630 frames on two dancers the training data
# never had: dancer seed 2 (the one earlier choices looked at) and dancer seed 5 (never used for
# any choice). The epoch is picked on the run's own validation dancer (world seed 1).
# Usage: tools/ablation_pose.sh BUILD_DIR OUT_DIR [RUNS]
#   RUNS default "seed16 seed64 prev16 prev64"; ref16 adds the reference frame (--reference-frame),
#   bf16 is seed16 with --precision bf16, ema16 seed16 with --ema 0.999 (ema16x99: --ema 0.99),
#   warm16 seed16 with --lr-warmup 150 (the preset itself since 2026-12-06: seed16 runs before
#   that date had no warm-up), colour16 warm16 with --colour-augment, staticN the preset with
#   --static-background N (and --reference-warp=false), rwarp16 the preset with --reference-warp
#   (the first frame warped near the dancer). Since 2026-12-06 (late) the preset itself has
#   --decoder flow and --static-background 2, and since 2026-12-07 --reference-warp:
#   TRAIN_FLAGS="--reference-warp=false" gives the 2026-12-06 one, TRAIN_FLAGS="--decoder
#   composite --static-background 0 --reference-warp=false" the earlier one.
#   A run name may end in @N: training seed N (seed16@2), the same data.
#   Finished runs are kept (resume). THREADS (default 2).
# Prints a markdown table (also written to OUT_DIR/ablation.md) from the eval JSON files.
set -euo pipefail
BUILD=${1:?usage: tools/ablation_pose.sh BUILD_DIR OUT_DIR [RUNS]}
OUT=${2:?usage: tools/ablation_pose.sh BUILD_DIR OUT_DIR [RUNS]}
RUNS=${3:-seed16 seed64 prev16 prev64}
FORESIGHT=$BUILD/trainer/foresight
THREADS=${THREADS:-2}
mkdir -p "$OUT"

data() {  # data NAME ARGS...: generate once
  local dir=$OUT/$1
  shift
  [ -f "$dir/.complete" ] || {
    "$FORESIGHT" data generate --world dance --out "$dir" "$@"
    touch "$dir/.complete"
  }
}
data d16 --seed 1
case " $RUNS " in *64*) data d64 --seed 1 --dancer-frames 160 ;; esac
data dancer2 --seed 2 --train-frames 0
data dancer5 --seed 5 --train-frames 0

for run in $RUNS; do
  seed=1
  case $run in *@*) seed=${run##*@} ;; esac
  case ${run%@*} in
    seed16) set -- d16 ;;                      # the seed's conditioning, the default data (the preset)
    seed64) set -- d64 ;;                      # more dancers, same frames
    prev16) set -- d16 --previous-pose ;;      # and the previous pose
    prev64) set -- d64 --previous-pose ;;
    ref16) set -- d16 --reference-frame --static-background 0 --reference-warp=false ;;  # the first frame as a source of pixels
    bf16) set -- d16 --precision bf16 ;;       # the preset, forward under bf16 autocast
    ema16) set -- d16 --ema 0.999 ;;           # validation and export see the weights' average
    ema16x99) set -- d16 --ema 0.99 ;;
    warm16) set -- d16 --lr-warmup 150 ;;      # the learning rate ramps up over the first epoch
    colour16) set -- d16 --lr-warmup 150 --colour-augment ;;  # and clips in permuted colours
    rwarp16) set -- d16 --reference-warp ;;   # the first frame warped, gated in near the dancer
    static[0-9]*) name=${run%@*}; set -- d16 --static-background "${name#static}" --reference-warp=false ;;  # the fixed camera's rule, radius N
    *) echo "unknown run '$run': seed16 seed64 prev16 prev64 ref16 bf16 ema16 ema16x99 warm16 colour16 staticN rwarp16" >&2; exit 2 ;;
  esac
  dir=$OUT/$run
  if [ ! -f "$dir/train_seconds" ]; then
    start=$SECONDS
    "$FORESIGHT" train --model pose --preset tiny --data "$OUT/$1" --out "$dir" \
      --threads "$THREADS" --seed "$seed" "${@:2}" ${TRAIN_FLAGS:-}
    echo "$((SECONDS - start))" > "$dir/train_seconds"
  fi
  for dancer in dancer2 dancer5; do
    [ -f "$dir/eval_$dancer.json" ] ||
      "$FORESIGHT" eval --checkpoint "$dir" --data "$OUT/$dancer" --threads "$THREADS" \
        --json "$dir/eval_$dancer.json" --out-dir "$dir/eval_$dancer"
  done
done

python3 - "$OUT" $RUNS <<'PY' | tee "$OUT/ablation.md"
import csv, json, os, sys
out, runs = sys.argv[1], sys.argv[2:]
print("| run | validation (best epoch) | dancer 2 (copy-first) | dancer 5, never used (copy-first) | train s |")
print("|---|---|---|---|---|")
for run in runs:
    d = os.path.join(out, run)
    if not os.path.exists(os.path.join(d, "eval_dancer5.json")):
        continue
    rows = list(csv.DictReader(open(os.path.join(d, "metrics.csv"))))
    key = next(k for k in rows[0] if "psnr" in k and "copy" not in k)
    best = max(rows, key=lambda r: float(r[key]))
    e2 = json.load(open(os.path.join(d, "eval_dancer2.json")))
    e5 = json.load(open(os.path.join(d, "eval_dancer5.json")))
    secs = open(os.path.join(d, "train_seconds")).read().strip()
    print(f"| {run} | {float(best[key]):.2f} (epoch {best['epoch']}) "
          f"| {e2['psnr_mean']:.2f} ({e2['copy_first_psnr']:.2f}) "
          f"| {e5['psnr_mean']:.2f} ({e5['copy_first_psnr']:.2f}) | {secs} |")
PY

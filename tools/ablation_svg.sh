#!/usr/bin/env bash
# The SVG output-head ablation of docs/results.md: the tiny preset (learned prior) with each
# decoder head and two training seeds, evaluated on the demo's test split (world seed 1) and on
# a world seed never used for any choice (seed 2), one latent sample per sequence (SAMPLES=20 for
# best of 20: ~20x the time), plus one rollout under shuffled actions on the test split.
# Usage: tools/ablation_svg.sh BUILD_DIR OUT_DIR [HEADS] [SEEDS]
#   HEADS default "plain composite flow", SEEDS default "1 2"; finished runs are kept (resume).
# DATA_FLAGS adds options to both `data generate` calls (e.g. "--actuation-noise 0.3"), TRAIN_FLAGS
# to `train`.
# Prints a markdown table (also written to OUT_DIR/ablation.md) from the eval JSON files.
set -euo pipefail
BUILD=${1:?usage: tools/ablation_svg.sh BUILD_DIR OUT_DIR [HEADS] [SEEDS]}
OUT=${2:?usage: tools/ablation_svg.sh BUILD_DIR OUT_DIR [HEADS] [SEEDS]}
HEADS=${3:-plain composite flow}
SEEDS=${4:-1 2}
FORESIGHT=$BUILD/trainer/foresight
THREADS=${THREADS:-2}
mkdir -p "$OUT"

[ -f "$OUT/data/.complete" ] || {
  "$FORESIGHT" data generate --out "$OUT/data" --train 1024 --validate 64 --test 128 --seed 1 ${DATA_FLAGS:-}
  touch "$OUT/data/.complete"
}
[ -f "$OUT/heldout/.complete" ] || {
  "$FORESIGHT" data generate --out "$OUT/heldout" --train 0 --validate 0 --test 128 --seed 2 ${DATA_FLAGS:-}
  touch "$OUT/heldout/.complete"
}

for seed in $SEEDS; do
  for head in $HEADS; do
    run=$OUT/$head-seed$seed
    if [ ! -f "$run/train_seconds" ]; then
      start=$SECONDS
      "$FORESIGHT" train --preset tiny --prior learned --decoder "$head" --seed "$seed" \
        --data "$OUT/data" --out "$run" --threads "$THREADS" ${TRAIN_FLAGS:-}
      echo "$((SECONDS - start))" > "$run/train_seconds"
    fi
    [ -f "$run/eval_test.json" ] ||
      "$FORESIGHT" eval --checkpoint "$run" --data "$OUT/data" --split test --samples "${SAMPLES:-1}" \
        --shuffled-conditions --threads "$THREADS" --json "$run/eval_test.json" --out-dir "$run/eval_test"
    [ -f "$run/eval_heldout.json" ] ||
      "$FORESIGHT" eval --checkpoint "$run" --data "$OUT/heldout" --split test --samples "${SAMPLES:-1}" \
        --threads "$THREADS" --json "$run/eval_heldout.json" --out-dir "$run/eval_heldout"
  done
done

python3 - "$OUT" $HEADS -- $SEEDS <<'PY' | tee "$OUT/ablation.md"
import json, os, sys
out = sys.argv[1]
rest = sys.argv[2:]
heads, seeds = rest[:rest.index("--")], rest[rest.index("--") + 1:]
print("| head | seed | split | PSNR mean | best of N | copy-last | frame 1 (copy-last) | SSIM mean | SSIM copy-last | SSIM frame 1 (copy-last) | shuffled actions | train s |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for split in ("test", "heldout"):
    for head in heads:
        for seed in seeds:
            run = os.path.join(out, f"{head}-seed{seed}")
            path = os.path.join(run, f"eval_{split}.json")
            if not os.path.exists(path):
                continue
            e = json.load(open(path))
            p = e["per_step"]
            secs = open(os.path.join(run, "train_seconds")).read().strip() if os.path.exists(os.path.join(run, "train_seconds")) else "?"
            shuf = f"{e['psnr_shuffled_conditions']:.2f} (own {e['psnr_first_sample']:.2f})" if e.get('psnr_first_sample') else "-"
            name = "test (world seed 1)" if split == "test" else "held-out world seed 2"
            print(f"| {head} | {seed} | {name} | {e['psnr_mean']:.2f} | {e['psnr_best']:.2f} | {e['copy_last_psnr']:.2f} | "
                  f"{p['psnr_mean'][0]:.2f} ({p['copy_last_psnr'][0]:.2f}) | {e['ssim_mean']:.3f} | {e['copy_last_ssim']:.3f} | "
                  f"{p['ssim_mean'][0]:.3f} ({p['copy_last_ssim'][0]:.3f}) | {shuf} | {secs} |")
PY

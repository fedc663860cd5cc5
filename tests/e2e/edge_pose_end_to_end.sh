#!/usr/bin/env bash
# End to end for a pose-conditioned model on loopback: dance data -> train (toy size) -> export
# -> foresight-edge -> foresight sim (camera FRAME + the next pose as a label FRAME per step).
# Checks that 20 steps give 20 predictions, that the daemon counted 20 pose images, that the pose
# and prediction views are JPEGs of the model's 2:1 frames, and that SIGTERM exits 0.
# Usage: edge_pose_end_to_end.sh FORESIGHT FORESIGHT_EDGE OUT_DIR   (CTest: edge_pose_end_to_end)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"

"$FS" --log-level warn data generate --world dance --out "$OUT/data" --train-frames 64 \
  --val-frames 16 --seed 4 > "$OUT/data.log" 2>&1 || { cat "$OUT/data.log" >&2; e2e_fail "data generate"; }
"$FS" --log-level warn train --model pose --preset tiny --data "$OUT/data" --out "$OUT/run" \
  --epochs 1 --iters-per-epoch 2 --batch-size 2 --video-len 4 --val-len 16 --f-dim 8 --l-dim 4 \
  --n-dim 2 --d-out 8 --threads 2 > "$OUT/train.log" 2>&1 || { cat "$OUT/train.log" >&2; e2e_fail "train"; }
"$FS" --log-level warn export --checkpoint "$OUT/run" --out "$OUT/pose.ptl" \
  > "$OUT/export.log" 2>&1 || { cat "$OUT/export.log" >&2; e2e_fail "export"; }
e2e_log "toy pose model trained and exported: $OUT/pose.ptl"

E2E_MODEL_FILE="$OUT/pose.ptl" e2e_start_edge
grep -q "pose conditioned on pose" "$OUT/edge.log" ||
  e2e_fail "the effective configuration does not say the model is conditioned on pose images"

# 10 steps/s: a toy model's step takes milliseconds, so no step can be skipped for a newer one.
"$FS" sim --edge "127.0.0.1:$TPORT" --frames 20 --fps 10 --json "$OUT/sim.json" > "$OUT/sim.log" 2>&1 ||
  { cat "$OUT/sim.log" >&2; e2e_fail "foresight sim failed"; }
e2e_log "sim done: $(tail -n1 "$OUT/sim.log")"
json() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$OUT/sim.json" "$1"; }
SENT=$(json sent)
PRED=$(json predictions)
SCORED=$(json scored)
[ "$SENT" = 20 ] || e2e_fail "sim sent $SENT steps, expected 20"
[ "$PRED" = 20 ] || e2e_fail "sim received $PRED predictions for 20 pose steps"
[ "$SCORED" -ge 18 ] || e2e_fail "sim scored $SCORED predictions against the next frame, expected >= 18"

curl -sf --max-time 2 "http://127.0.0.1:$HPORT/metrics" > "$OUT/metrics.txt" || e2e_fail "/metrics did not answer"
LABELS=$(e2e_metric foresight_labels_in_total "$OUT/metrics.txt")
[ "$LABELS" = 20 ] || e2e_fail "the daemon counted $LABELS pose images, expected 20"

for view in pose prediction; do
  curl -sf --max-time 5 "http://127.0.0.1:$HPORT/snapshot.jpg?view=$view" -o "$OUT/$view.jpg" ||
    e2e_fail "/snapshot.jpg?view=$view did not answer"
  e2e_is_jpeg "$OUT/$view.jpg" || e2e_fail "/snapshot.jpg?view=$view is not a JPEG"
done
# The views keep the model's aspect (64x32 frames): a 2:1 JPEG, read from its SOF0 marker.
python3 - "$OUT/prediction.jpg" <<'PY' || e2e_fail "the prediction view is not 2:1"
import struct, sys
b = open(sys.argv[1], 'rb').read()
i = 2
while i < len(b):
    marker, size = b[i + 1], struct.unpack('>H', b[i + 2:i + 4])[0]
    if marker in (0xC0, 0xC1, 0xC2):
        h, w = struct.unpack('>HH', b[i + 5:i + 9])
        sys.exit(0 if w == 2 * h else 1)
    i += 2 + size
sys.exit(1)
PY
e2e_stop_edge
echo "OK: sent $SENT pose steps, predictions $PRED, $(e2e_elapsed) s"

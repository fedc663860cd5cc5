#!/usr/bin/env bash
# End to end on loopback: dataset -> train (toy size) -> export -> foresight-edge -> foresight sim.
# Checks that every step sent got its prediction (all but the n_past - 1 warm-up steps, or
# /metrics explains each missing one), that /metrics is Prometheus text, that
# /stream.mjpg?view=prediction yields JPEG parts while the robot runs, that /snapshot.jpg is a
# JPEG, and that SIGTERM (with a viewer still connected) exits 0.
# Usage: edge_end_to_end.sh FORESIGHT FORESIGHT_EDGE OUT_DIR   (CTest: edge_end_to_end)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"
e2e_model
e2e_start_edge

# The robot: 100 steps at 50 fps, in the background so the stream can be watched meanwhile.
e2e_bg sim "$FS" sim --edge "127.0.0.1:$TPORT" --frames 100 --fps 50 --json "$OUT/sim.json"
SIM_PID=$E2E_LAST_PID
# The prediction view exists from the first predicted step on; watch it for 3 s from then (the
# stream carries new frames only, so it has to be watched while the robot runs).
e2e_wait_http "/snapshot.jpg?view=prediction" 30 "$SIM_PID" sim
curl -s --max-time 3 -D "$OUT/stream.headers" -o "$OUT/stream.bin" \
  "http://127.0.0.1:$HPORT/stream.mjpg?view=prediction" || true  # 28: --max-time, expected
SIM_CODE=0
wait "$SIM_PID" || SIM_CODE=$?
[ "$SIM_CODE" = 0 ] || { cat "$OUT/sim.log" >&2; e2e_fail "foresight sim exited $SIM_CODE"; }
e2e_log "sim done: $(tail -n1 "$OUT/sim.log")"

PARTS=$(e2e_count_mjpeg_parts "$OUT/stream.headers" "$OUT/stream.bin") ||
  e2e_fail "/stream.mjpg?view=prediction is not a good MJPEG stream (see above)"
[ "$PARTS" -ge 3 ] || e2e_fail "/stream.mjpg?view=prediction gave $PARTS JPEG parts in 3 s while the robot ran, expected >= 3"

[ -s "$OUT/sim.json" ] || e2e_fail "foresight sim wrote no $OUT/sim.json"
json() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$OUT/sim.json" "$1"; }
SENT=$(json sent)
PRED=$(json predictions)
[ "$SENT" = 100 ] || e2e_fail "sim sent $SENT steps, expected 100"

# The daemon's counters, once it has settled every step it was sent (run or dropped).
for _ in $(seq 50); do
  curl -sf --max-time 2 "http://127.0.0.1:$HPORT/metrics" > "$OUT/metrics.txt" ||
    e2e_fail "/metrics did not answer"
  STEPS=$(e2e_metric foresight_steps_predicted_total "$OUT/metrics.txt")
  DROPPED=$(e2e_metric foresight_dropped_total "$OUT/metrics.txt")
  [ $((STEPS + DROPPED)) -ge "$SENT" ] && break
  sleep 0.1
done
e2e_check_prometheus "$OUT/metrics.txt" || e2e_fail "/metrics is not Prometheus text (see above)"
RESETS=$(e2e_metric foresight_resets_total "$OUT/metrics.txt")
OUT_MSGS=$(e2e_metric foresight_predictions_out_total "$OUT/metrics.txt")
SHED=$(e2e_metric foresight_predictions_shed_total "$OUT/metrics.txt")
WARMUP=$((E2E_N_PAST - 1))
COUNTS="sent $SENT, sim received $PRED; daemon: predicted $STEPS, dropped $DROPPED, resets $RESETS, predictions out $OUT_MSGS, shed $SHED; warm-up $WARMUP step(s) per reset"
if [ "$PRED" = $((SENT - WARMUP)) ]; then
  # The usual case: one reset (the new connection), no drops.
  [ "$OUT_MSGS" = "$PRED" ] || e2e_fail "the daemon counted $OUT_MSGS predictions out, the sim got $PRED ($COUNTS)"
else
  # Otherwise every missing prediction must be a dropped step, a warm-up step after a reset
  # (a drop makes a seq gap, hence a reset) or one shed from a slow client's queue.
  [ $((STEPS + DROPPED)) = "$SENT" ] || e2e_fail "steps predicted + dropped != sent ($COUNTS)"
  [ "$OUT_MSGS" = $((STEPS - RESETS * WARMUP)) ] ||
    e2e_fail "predictions out != steps predicted - warm-up steps ($COUNTS)"
  [ "$PRED" = $((OUT_MSGS - SHED)) ] || e2e_fail "the sim got $PRED predictions, expected out - shed ($COUNTS)"
fi
e2e_log "predictions accounted for: $COUNTS"

curl -sf --max-time 5 "http://127.0.0.1:$HPORT/snapshot.jpg" -o "$OUT/snapshot.jpg" ||
  e2e_fail "/snapshot.jpg did not answer"
e2e_is_jpeg "$OUT/snapshot.jpg" || e2e_fail "/snapshot.jpg is not a JPEG"
curl -sf --max-time 5 "http://127.0.0.1:$HPORT/snapshot.jpg?view=prediction" -o "$OUT/prediction.jpg" ||
  e2e_fail "/snapshot.jpg?view=prediction did not answer"
e2e_is_jpeg "$OUT/prediction.jpg" || e2e_fail "/snapshot.jpg?view=prediction is not a JPEG"
curl -sf --max-time 5 "http://127.0.0.1:$HPORT/psnr.json" -o "$OUT/psnr.json" ||
  e2e_fail "/psnr.json did not answer"
python3 -c 'import json, sys; p = json.load(open(sys.argv[1])); assert isinstance(p, list) and p and all(
    {"frame_seq", "psnr", "copy_last_psnr"} <= set(x) for x in p)' "$OUT/psnr.json" ||
  e2e_fail "/psnr.json is not a non-empty list of {frame_seq, psnr, copy_last_psnr}"

# Shut down with a viewer still connected: the daemon must close the stream and exit 0.
e2e_bg viewer curl -s -N --max-time 30 -o "$OUT/viewer.bin" "http://127.0.0.1:$HPORT/stream.mjpg?view=camera"
VIEWER_PID=$E2E_LAST_PID
for _ in $(seq 50); do
  curl -sf --max-time 2 "http://127.0.0.1:$HPORT/metrics" | grep -q '^foresight_http_streams_open 1$' && break
  sleep 0.1
done
e2e_stop_edge
wait "$VIEWER_PID" || true

echo "OK: sent $SENT, predictions $PRED, stream parts $PARTS, $(e2e_elapsed) s"

#!/usr/bin/env bash
# End to end on loopback: dataset -> train (toy size) -> export -> foresight-edge -> foresight sim.
# Checks every step sent got a prediction (or /metrics explains the difference), that /metrics is
# Prometheus text, /stream.mjpg yields JPEG parts, /snapshot.jpg is a JPEG, and SIGTERM exits 0.
# Usage: edge_end_to_end.sh FORESIGHT FORESIGHT_EDGE OUT_DIR
set -euo pipefail
FS=$1 EDGE=$2 OUT=$3
rm -rf "$OUT" && mkdir -p "$OUT"
fail() { echo "FAIL: $*" >&2; [ -f "$OUT/edge.log" ] && tail -20 "$OUT/edge.log" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

"$FS" --log-level warn data generate --out "$OUT/data" --train 16 --validate 4 --test 4 --frames 14 --seed 3
"$FS" --log-level warn train --preset tiny --data "$OUT/data" --out "$OUT/run" --epochs 1 \
  --iters-per-epoch 2 --batch-size 4 --val-sequences 4 --width 0.0625 --g-dim 16 --z-dim 4 \
  --rnn-size 16 --threads 2
"$FS" --log-level warn export --checkpoint "$OUT/run" --out "$OUT/model.ptl"

TPORT=$(free_port) HPORT=$(free_port)
"$EDGE" --model "$OUT/model.ptl" --camera socket --telemetry "tcp://127.0.0.1:$TPORT" \
  --http "127.0.0.1:$HPORT" --threads 1 > "$OUT/edge.log" 2>&1 &
EDGE_PID=$!
trap 'kill -9 $EDGE_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$HPORT/healthz" > /dev/null && break
  kill -0 $EDGE_PID 2>/dev/null || fail "foresight-edge exited at start-up"
  sleep 0.2
done
curl -sf "http://127.0.0.1:$HPORT/healthz" > /dev/null || fail "/healthz never answered"

# Watch the prediction stream while the robot runs: the stream only carries new frames.
curl -s --max-time 4 "http://127.0.0.1:$HPORT/stream.mjpg?view=prediction" -o "$OUT/stream.bin" &
CURL_PID=$!
"$FS" --log-level warn sim --edge "127.0.0.1:$TPORT" --frames 100 --fps 50 --json "$OUT/sim.json"
json() { python3 -c "import json,sys; print(json.load(open('$OUT/sim.json'))['$1'])"; }
SENT=$(json sent) PRED=$(json predictions)
[ "$SENT" = 100 ] || fail "sim sent $SENT steps, expected 100"

curl -sf "http://127.0.0.1:$HPORT/metrics" > "$OUT/metrics.txt" || fail "/metrics did not answer"
# Prometheus text format: comments are '# HELP name text' or '# TYPE name kind'; samples are
# 'name{labels} value' with a number.
awk '
  /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* / { next }
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? [-+0-9.eE]+$|^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (NaN|[+-]Inf)$/ { n++; next }
  /^$/ { next }
  { print "bad metrics line: " $0; bad = 1 }
  END { if (bad || n < 5) exit 1 }' "$OUT/metrics.txt" || fail "/metrics is not Prometheus text"
metric() { awk -v m="$1" '$1 == m { print $2 }' "$OUT/metrics.txt"; }
STEPS=$(metric foresight_steps_predicted_total) DROPPED=$(metric foresight_dropped_total)
RESETS=$(metric foresight_resets_total)
# Every step is answered except the warm-up after each reset (n_past - 1 = 1 step) and drops.
EXPECTED=$((SENT - DROPPED - RESETS))
[ "$PRED" = "$EXPECTED" ] || fail "sim got $PRED predictions; metrics explain $EXPECTED (sent $SENT, dropped $DROPPED, resets $RESETS, predicted $STEPS)"

wait $CURL_PID || true
PARTS=$(grep -ac "Content-Type: image/jpeg" "$OUT/stream.bin" || true)
[ "${PARTS:-0}" -ge 3 ] || fail "/stream.mjpg gave $PARTS JPEG parts while the robot ran, expected >= 3"
curl -sf "http://127.0.0.1:$HPORT/snapshot.jpg" -o "$OUT/snapshot.jpg" || fail "/snapshot.jpg did not answer"
[ "$(head -c 2 "$OUT/snapshot.jpg" | od -An -tx1 | tr -d ' ')" = "ffd8" ] || fail "/snapshot.jpg is not a JPEG"

kill -TERM $EDGE_PID
wait $EDGE_PID && CODE=0 || CODE=$?
trap - EXIT
[ "$CODE" = 0 ] || fail "foresight-edge exited $CODE on SIGTERM, expected 0"
echo "OK: sent $SENT, predictions $PRED, stream parts $PARTS"

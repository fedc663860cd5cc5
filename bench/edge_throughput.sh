#!/usr/bin/env bash
# End-to-end throughput of foresight-edge with the full-size SVG model (the paper preset: g 128,
# z 64, rnn 256, VGG 64..512, learned prior), on loopback: foresight sim sends FRAME (PNG) +
# TELEMETRY at each rate in $RATES, the daemon decodes, steps the model, encodes and sends the
# prediction back; the sim counts what returns. Both runtimes (.ptl lite, .pt full), one after
# the other in one run. The sim shares the CPU with the daemon here (a robot would not).
# Usage: bench/edge_throughput.sh FORESIGHT FORESIGHT_EDGE OUT_DIR
#   e.g. bench/edge_throughput.sh build/trainer/foresight build/edge/foresight-edge /tmp/fs-tput
# Env: RATES (default "10 20 40"), FRAMES per run (default 200), RUNTIMES (default "ptl pt"),
# E2E_THREADS (default: all cores).
source "$(dirname "${BASH_SOURCE[0]}")/../tests/e2e/lib.sh"
e2e_setup "$@"
RATES=${RATES:-10 20 40}
FRAMES=${FRAMES:-200}
export E2E_THREADS=${E2E_THREADS:-$(nproc)}

# A full-size model: the paper preset, trained for one iteration (speed does not depend on the
# weights; the point is the real architecture through the real export).
"$FS" --log-level warn data generate --out "$OUT/data" --train 2 --validate 1 --test 1 \
  --frames 14 --seed 3 > "$OUT/data.log" 2>&1 || { cat "$OUT/data.log" >&2; e2e_fail "data generate"; }
"$FS" --log-level warn train --preset paper --prior learned --data "$OUT/data" --out "$OUT/run" \
  --epochs 1 --iters-per-epoch 1 --batch-size 1 --val-sequences 1 --threads "$E2E_THREADS" \
  > "$OUT/train.log" 2>&1 || { cat "$OUT/train.log" >&2; e2e_fail "train"; }
"$FS" --log-level warn export --checkpoint "$OUT/run" --out "$OUT/model.ptl" --out "$OUT/model.pt" \
  > "$OUT/export.log" 2>&1 || { cat "$OUT/export.log" >&2; e2e_fail "export"; }
e2e_log "full-size model exported: $(du -h "$OUT/model.ptl" | cut -f1) (.ptl)"

json() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
quantile() {  # quantile Q METRICS_FILE: the inference latency histogram's bucket bound for Q
  python3 - "$1" "$2" <<'PY'
import re, sys
q, buckets = float(sys.argv[1]), []
for line in open(sys.argv[2]):
    m = re.match(r'foresight_inference_latency_seconds_bucket\{le="([^"]+)"\} (\S+)', line)
    if m: buckets.append((float(m.group(1)), float(m.group(2))))
total = buckets[-1][1]
print(next(f"{le * 1000:g}" for le, n in buckets if n >= q * total))
PY
}

printf '\n| runtime | sent/s | predictions/s | answered | dropped | inference p50 <= | p99 <= |\n' | tee "$OUT/table.md"
printf '|---|---|---|---|---|---|---|\n' | tee -a "$OUT/table.md"
for ext in ${RUNTIMES:-ptl pt}; do
  export E2E_MODEL_FILE="$OUT/model.$ext"
  for rate in $RATES; do
    e2e_start_edge
    "$FS" --log-level warn sim --edge "127.0.0.1:$TPORT" --frames "$FRAMES" --fps "$rate" \
      --json "$OUT/sim-$ext-$rate.json" > "$OUT/sim-$ext-$rate.log" 2>&1 ||
      { tail "$OUT/sim-$ext-$rate.log" >&2; e2e_fail "sim at $rate fps"; }
    curl -sf --max-time 2 "http://127.0.0.1:$HPORT/metrics" > "$OUT/metrics-$ext-$rate.txt"
    e2e_stop_edge > /dev/null
    S="$OUT/sim-$ext-$rate.json" M="$OUT/metrics-$ext-$rate.txt"
    printf '| %s | %s | %.1f | %s/%s | %s | %s ms | %s ms |\n' "$ext" "$rate" \
      "$(json "$S" predictions_per_s)" "$(json "$S" predictions)" "$(json "$S" sent)" \
      "$(e2e_metric foresight_dropped_total "$M")" "$(quantile 0.5 "$M")" "$(quantile 0.99 "$M")" |
      tee -a "$OUT/table.md"
  done
done

#!/usr/bin/env bash
# Soak of foresight-edge as a robot fleet would use it: 3 senders (`foresight sim`) that each run
# for a random while, stop without a goodbye and start again from seq 1 (a robot that crashes and
# restarts), 50 MJPEG viewers on the HTTP port, for MINUTES minutes. Reports predictions/s per
# sender run, the daemon's resident memory over time (it must stay flat: nothing accumulates per
# connection, per orphaned half-step or per viewer), and the daemon's counters at the end.
# Usage: bench/edge_soak.sh FORESIGHT FORESIGHT_EDGE OUT_DIR [MINUTES]
#   e.g. bench/edge_soak.sh build/trainer/foresight build/edge/foresight-edge /tmp/fs-soak 10
# Env: FORESIGHT_E2E_MODEL (a .ptl to serve; default the toy model of tests/e2e), VIEWERS (50).
source "$(dirname "${BASH_SOURCE[0]}")/../tests/e2e/lib.sh"
MINUTES=${4:-10}
e2e_setup "$1" "$2" "$3"
VIEWERS=${VIEWERS:-50}
e2e_model
e2e_start_edge --max-streams $((VIEWERS + 8))
END=$((SECONDS + MINUTES * 60))

for v in $(seq "$VIEWERS"); do
  e2e_bg "viewer$v" curl -s -N --max-time $((MINUTES * 60 + 30)) -o /dev/null \
    "http://127.0.0.1:$HPORT/stream.mjpg?view=sidebyside"
done

# One sender: runs of a random length (20..200 steps at 10 steps/s), each killed (no BYE) a random
# moment before its end half of the time, each starting again from seq 1.
sender() {
  local id=$1 run=0
  while [ $SECONDS -lt $END ]; do
    run=$((run + 1))
    local frames=$((20 + RANDOM % 180)) json="$OUT/sender$id-run$run.json"
    "$FS" --log-level warn sim --edge "127.0.0.1:$TPORT" --frames "$frames" --fps 10 \
      --seed $((id * 1000 + run)) --json "$json" > "$OUT/sender$id-run$run.log" 2>&1 &
    local pid=$!
    if [ $((RANDOM % 2)) = 0 ]; then
      sleep "$(python3 -c "import random; print(random.uniform(1, $frames / 10))")"
      kill -9 "$pid" 2>/dev/null || true  # a crash: no BYE, half a step may be on the wire
    fi
    wait "$pid" 2>/dev/null || true
  done
}
for id in 1 2 3; do
  sender "$id" &
  E2E_PIDS+=($!)
done

rss() { ps -o rss= -p "$EDGE_PID" | tr -d ' '; }
echo "minute,rss_kib" > "$OUT/rss.csv"
minute=0
while [ $SECONDS -lt $END ]; do
  echo "$minute,$(rss)" | tee -a "$OUT/rss.csv"
  sleep 60
  minute=$((minute + 1))
done
echo "$minute,$(rss)" | tee -a "$OUT/rss.csv"
wait_senders_until=$((SECONDS + 60))
while [ $SECONDS -lt $wait_senders_until ] && pgrep -f "sim --edge 127.0.0.1:$TPORT" > /dev/null; do
  sleep 1
done
curl -sf --max-time 5 "http://127.0.0.1:$HPORT/metrics" > "$OUT/metrics.txt"
e2e_stop_edge > /dev/null

python3 - "$OUT" <<'PY'
import csv, glob, json, os, sys
out = sys.argv[1]
runs = []
for path in sorted(glob.glob(os.path.join(out, "sender*-run*.json"))):
    j = json.load(open(path))
    runs.append((os.path.basename(path)[:-5], j))
print(f"\n{len(runs)} sender runs finished whole (the others were killed mid-run, as planned)")
for sender in ("sender1", "sender2", "sender3"):
    mine = [j for name, j in runs if name.startswith(sender + "-")]
    if mine:
        rates = [j["predictions_per_s"] for j in mine]
        answered = sum(j["predictions"] for j in mine) / max(1, sum(j["sent"] for j in mine))
        print(f"{sender}: {len(mine)} whole runs, predictions/s min {min(rates):.2f} "
              f"mean {sum(rates) / len(rates):.2f}, answered {answered:.1%} of steps sent")
rss = [int(r["rss_kib"]) for r in csv.DictReader(open(os.path.join(out, "rss.csv")))]
print(f"daemon RSS (MiB) by minute: {' '.join(f'{r / 1024:.0f}' for r in rss)}; "
      f"last - minute 1: {(rss[-1] - rss[min(1, len(rss) - 1)]) / 1024:+.1f} MiB")
keep = ("connections_total", "steps_predicted_total", "dropped_total", "skipped_observed_total",
        "orphans_removed_total", "resets_total", "predictions_shed_total", "protocol_errors_total",
        "http_streams_open")
for line in open(os.path.join(out, "metrics.txt")):
    name = line.split(" ")[0].replace("foresight_", "")
    if name in keep:
        print(f"  {line.strip()}")
PY

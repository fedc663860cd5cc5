#!/usr/bin/env bash
# Data-parallel training on one machine, back to back in one run: sequences/s of one process with
# 2 threads against 2 ranks (Gloo on loopback) with 1 thread each, the tiny preset; the all-reduce
# time per step and bytes for the tiny and paper presets; raw TCP loopback bandwidth beside them.
# Usage: bench/data_parallel.sh FORESIGHT OUT_DIR   (ITERS per epoch, default 10; the second of
# two epochs is timed, so start-up and the first iterations do not count)
set -euo pipefail
FS=$(realpath "$1")
OUT=$2
ITERS=${ITERS:-10}
mkdir -p "$OUT"
cd "$OUT"
log() { printf '[data_parallel] %s\n' "$*" >&2; }

log "loopback TCP bandwidth"
python3 - <<'PY'
import socket, threading, time
N, CHUNK = 2 << 30, 1 << 20
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
def sink():
    c, _ = srv.accept(); got = 0
    while got < N:
        b = c.recv(CHUNK)
        if not b: break
        got += len(b)
threading.Thread(target=sink, daemon=True).start()
cli = socket.create_connection(srv.getsockname()); buf = b"\0" * CHUNK
t = time.time()
for _ in range(N // CHUNK): cli.sendall(buf)
cli.close(); time.sleep(0.05)
print(f"loopback TCP, one connection: {N / (time.time() - t) / 1e9:.2f} GB/s")
PY

[ -d data ] || "$FS" --log-level warn data generate --out data --train 64 --validate 8 --test 0 \
  --frames 12 --seed 1 > /dev/null

# run NAME RANKS THREADS ARGS...: one process, or RANKS ranks on loopback.
run() {
  local name=$1 ranks=$2 threads=$3
  shift 3
  local COMMON=(train --data data --epochs 2 --iters-per-epoch "$ITERS" --val-sequences "${VAL:-8}" --workers 1)
  rm -rf "$name"
  if [ "$ranks" = 1 ]; then
    "$FS" "${COMMON[@]}" "$@" --threads "$threads" --out "$name" > "$name.log" 2>&1
  else
    local port=$((20000 + RANDOM % 20000)) pids=() r
    for ((r = 0; r < ranks; r++)); do
      RANK=$r WORLD_SIZE=$ranks LOCAL_RANK=$r LOCAL_WORLD_SIZE=$ranks MASTER_ADDR=127.0.0.1 \
        MASTER_PORT=$port "$FS" "${COMMON[@]}" "$@" --threads "$threads" --out "$name" \
        > "$name.rank$r.log" 2>&1 &
      pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; done
    cp "$name.rank0.log" "$name.log"
  fi
  # metrics.csv: epoch,...,seconds (the last column); the second epoch's.
  local s batch
  s=$(awk -F, 'NR == 3 { print $NF }' "$name/metrics.csv")
  batch=$(grep -oE '"batch_size": *[0-9]+' "$name/config.json" | grep -oE '[0-9]+$')
  printf '%-28s %d rank(s) x %d thread(s): epoch 2 %6.1f s, %6.2f sequences/s%s\n' "$name" \
    "$ranks" "$threads" "$s" "$(awk -v n=$((ITERS * batch)) -v s="$s" 'BEGIN { print n / s }')" \
    "$( (grep -oE '\| all-reduce .*' "$name.log" || true) | tail -n1 | sed 's/^|/,/')"
}

log "tiny preset, batch 16"
run tiny-1x2 1 2 --preset tiny --batch-size 16
run tiny-2x1 2 1 --preset tiny --batch-size 16
run tiny-1x2-again 1 2 --preset tiny --batch-size 16
log "paper preset, batch 2 (the all-reduce: 91.35 MB of gradients)"
ITERS=3 VAL=2 run paper-2x1 2 1 --preset paper --batch-size 2

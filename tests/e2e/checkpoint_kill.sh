#!/usr/bin/env bash
# `kill -9` at random moments of a training run that writes a checkpoint every fraction of a
# second, then `foresight train --resume`: the run must always resume and finish (exit 0). A
# checkpoint is written to a temporary file and renamed over the old one, so a kill can only
# lose the epoch in progress, never leave a half-written last.ckpt or best.ckpt; the resumed run
# removes the killed one's temporaries.
# Usage: checkpoint_kill.sh FORESIGHT FORESIGHT_EDGE OUT_DIR   (ROUNDS, default 5)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"
ROUNDS=${ROUNDS:-5}
"$FS" --log-level warn data generate --out "$OUT/data" --train 8 --validate 4 --test 0 \
  --frames 8 --seed 3 > "$OUT/data.log" 2>&1 || e2e_fail "data generate"
TRAIN=(train --preset tiny --data "$OUT/data" --epochs 20 --iters-per-epoch 1 --batch-size 2
  --val-sequences 2 --width 0.0625 --g-dim 16 --z-dim 4 --rnn-size 16 --n-past 2 --n-future 2
  --n-eval 4 --threads 1)
resumed=0
for round in $(seq "$ROUNDS"); do
  run="$OUT/run$round"
  "$FS" --log-level warn "${TRAIN[@]}" --out "$run" > "$OUT/train$round.log" 2>&1 &
  pid=$!
  # Kill once at least one checkpoint exists, at a random moment of the epochs after it.
  for _ in $(seq 300); do [ -f "$run/last.ckpt" ] && break; sleep 0.05; done
  [ -f "$run/last.ckpt" ] || e2e_fail "round $round: no checkpoint after 15 s"
  sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  code=0
  "$FS" --log-level warn train --resume "$run" > "$OUT/resume$round.log" 2>&1 || code=$?
  [ "$code" = 0 ] || { tail -n 5 "$OUT/resume$round.log" >&2; e2e_fail "round $round: --resume exited $code"; }
  if ls "$run" | grep -q '\.tmp[0-9]'; then e2e_fail "round $round: temporaries left: $(ls "$run")"; fi
  resumed=$((resumed + 1))
  e2e_log "round $round: killed, resumed to the end"
done
e2e_log "$resumed kills, every run resumed"

#!/usr/bin/env bash
# A bounded fuzzing run of the wire protocol's decoders (tests/fuzz/protocol_fuzzer.cpp): builds
# the target with clang's libFuzzer (-O2, no sanitizers: the target's own round-trip checks abort
# on a failure; SANITIZE=1 adds ASan+UBSan at ~1/5 the speed), runs RUNS executions in each of
# JOBS processes from the checked-in corpus, and prints executions/s and coverage per job.
# Usage: bench/protocol_fuzz.sh OUT_DIR [RUNS] [JOBS]   (RUNS default 10000000, JOBS 1)
set -euo pipefail
OUT=${1:?usage: bench/protocol_fuzz.sh OUT_DIR [RUNS] [JOBS]}
RUNS=${2:-10000000}
JOBS=${3:-1}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$OUT/corpus"
flags=(-std=c++17 -O2 -g -fsanitize=fuzzer)
[ "${SANITIZE:-0}" = 1 ] && flags+=(-fsanitize=address,undefined -fno-sanitize-recover=undefined)
clang++ "${flags[@]}" -I"$ROOT" -o "$OUT/protocol_fuzzer" "$ROOT/tests/fuzz/protocol_fuzzer.cpp" \
  "$ROOT"/common/protocol/*.cpp
cd "$OUT"
start=$SECONDS
status=0
./protocol_fuzzer -jobs="$JOBS" -workers="$JOBS" -runs="$RUNS" -print_final_stats=1 \
  -dict="$ROOT/tests/fuzz/protocol.dict" corpus "$ROOT/tests/fuzz/corpus" > fuzz.log 2>&1 || status=$?
echo "elapsed $((SECONDS - start)) s, exit $status"
for f in fuzz-*.log; do
  echo "$f: $(grep -E 'stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb' "$f" | tr -s ' ' | tr '\n' ' ')"
  grep -E '^#[0-9]+.*(DONE|pulse)' "$f" | tail -1
  grep -E 'ERROR|crash-|deadly signal' "$f" | head -3 || true
done
exit "$status"

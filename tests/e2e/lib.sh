# Shared by the end-to-end tests in this folder (sourced, not run): a fresh output folder, a toy
# model (tiny dataset, 2 training iterations, export), foresight-edge started on free loopback
# ports, background helpers that are always cleaned up, and checks of the HTTP answers.
#
#   source lib.sh; e2e_setup FORESIGHT FORESIGHT_EDGE OUT_DIR
#   e2e_model                    -> $OUT/model.ptl (or $FORESIGHT_E2E_MODEL when set)
#   e2e_start_edge [FLAG...]     -> EDGE_PID, TPORT (telemetry), HPORT (http); /healthz answered
#                                   (model $E2E_MODEL_FILE or $OUT/model.ptl, $E2E_THREADS or 1)
#   e2e_bg NAME CMD...           -> runs CMD in the background (log $OUT/NAME.log), killed on exit
#   e2e_stop_edge                -> SIGTERM, fails unless foresight-edge exits 0 within 15 s
#   e2e_fail MESSAGE             -> prints MESSAGE and the daemon's last log lines, exits 1
#
# The daemon listens on port 0 (the kernel picks a free port, no race with other tests) and the
# ports are read back from its "listening:" log line.
set -euo pipefail

E2E_PIDS=()
EDGE_PID=""

e2e_fail() {
  echo "FAIL: $*" >&2
  if [ -n "${OUT:-}" ] && [ -f "$OUT/edge.log" ]; then
    echo "--- last lines of $OUT/edge.log:" >&2
    tail -n 25 "$OUT/edge.log" >&2
  fi
  exit 1
}

e2e_cleanup() {
  local pid
  for pid in "${E2E_PIDS[@]}" $EDGE_PID; do
    kill -9 "$pid" 2>/dev/null || true
  done
}

# Elapsed seconds since e2e_setup, for the log.
e2e_elapsed() { echo $((SECONDS - E2E_T0)); }
e2e_log() { echo "[$(e2e_elapsed) s] $*"; }

e2e_setup() {
  [ $# -eq 3 ] || { echo "usage: $0 FORESIGHT FORESIGHT_EDGE OUT_DIR" >&2; exit 2; }
  FS=$1 EDGE=$2 OUT=$3
  [ -x "$FS" ] || e2e_fail "foresight binary '$FS' is missing or not executable"
  [ -x "$EDGE" ] || e2e_fail "foresight-edge binary '$EDGE' is missing or not executable"
  case "$OUT" in "" | / | .) e2e_fail "refusing to use '$OUT' as the output folder" ;; esac
  local tool
  for tool in curl python3; do
    command -v "$tool" > /dev/null || e2e_fail "$tool is not installed (./foresight.sh deps installs it)"
  done
  rm -rf "$OUT" && mkdir -p "$OUT"
  E2E_T0=$SECONDS
  trap e2e_cleanup EXIT
  trap 'exit 130' INT TERM
}

e2e_model() {
  if [ -n "${FORESIGHT_E2E_MODEL:-}" ]; then
    cp "$FORESIGHT_E2E_MODEL" "$OUT/model.ptl" || e2e_fail "cannot copy FORESIGHT_E2E_MODEL"
    e2e_log "model: $FORESIGHT_E2E_MODEL"
    return
  fi
  "$FS" --log-level warn data generate --out "$OUT/data" --train 16 --validate 4 --test 4 \
    --frames 14 --seed 3 > "$OUT/data.log" 2>&1 || { cat "$OUT/data.log" >&2; e2e_fail "data generate"; }
  "$FS" --log-level warn train --preset tiny --data "$OUT/data" --out "$OUT/run" --epochs 1 \
    --iters-per-epoch 2 --batch-size 4 --val-sequences 4 --width 0.0625 --g-dim 16 --z-dim 4 \
    --rnn-size 16 --threads 2 > "$OUT/train.log" 2>&1 || { cat "$OUT/train.log" >&2; e2e_fail "train"; }
  "$FS" --log-level warn export --checkpoint "$OUT/run" --out "$OUT/model.ptl" \
    > "$OUT/export.log" 2>&1 || { cat "$OUT/export.log" >&2; e2e_fail "export"; }
  [ -s "$OUT/model.ptl" ] || e2e_fail "export wrote no model.ptl"
  e2e_log "toy model trained and exported: $OUT/model.ptl"
}

e2e_bg() {
  local name=$1
  shift
  "$@" > "$OUT/$name.log" 2>&1 &
  E2E_PIDS+=($!)
  E2E_LAST_PID=$!
}

e2e_start_edge() {
  "$EDGE" --model "${E2E_MODEL_FILE:-$OUT/model.ptl}" --camera socket --telemetry tcp://127.0.0.1:0 \
    --http 127.0.0.1:0 --threads "${E2E_THREADS:-1}" "$@" > "$OUT/edge.log" 2>&1 &
  EDGE_PID=$!
  local line="" i
  for i in $(seq 300); do  # 30 s: loading LibTorch on a busy machine takes a while
    line=$(grep -m1 'listening: telemetry' "$OUT/edge.log" || true)
    [ -n "$line" ] && break
    kill -0 "$EDGE_PID" 2>/dev/null || e2e_fail "foresight-edge exited at start-up"
    sleep 0.1
  done
  [ -n "$line" ] || e2e_fail "foresight-edge did not start listening within 30 s"
  TPORT=$(sed -n 's/.*listening: telemetry 127\.0\.0\.1:\([0-9]*\).*/\1/p' <<< "$line")
  HPORT=$(sed -n 's/.*http http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' <<< "$line")
  [ -n "$TPORT" ] && [ -n "$HPORT" ] || e2e_fail "cannot read the ports from: $line"
  for i in $(seq 100); do
    curl -sf --max-time 2 "http://127.0.0.1:$HPORT/healthz" > /dev/null && break
    kill -0 "$EDGE_PID" 2>/dev/null || e2e_fail "foresight-edge exited at start-up"
    sleep 0.1
  done
  [ "$(curl -sf --max-time 2 "http://127.0.0.1:$HPORT/healthz")" = ok ] ||
    e2e_fail "/healthz did not answer 'ok'"
  E2E_N_PAST=$(sed -n 's/.*, n_past \([0-9]*\),.*/\1/p' "$OUT/edge.log" | head -n1)
  [ -n "$E2E_N_PAST" ] || e2e_fail "the effective configuration does not name n_past"
  e2e_log "foresight-edge pid $EDGE_PID: telemetry 127.0.0.1:$TPORT, http 127.0.0.1:$HPORT, n_past $E2E_N_PAST"
}

e2e_stop_edge() {
  kill -TERM "$EDGE_PID"
  local i
  for i in $(seq 150); do
    kill -0 "$EDGE_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$EDGE_PID" 2>/dev/null; then
    e2e_fail "foresight-edge still runs 15 s after SIGTERM"
  fi
  local code=0
  wait "$EDGE_PID" || code=$?
  EDGE_PID=""
  [ "$code" = 0 ] || e2e_fail "foresight-edge exited $code on SIGTERM, expected 0"
  e2e_log "foresight-edge exited 0 on SIGTERM"
}

# Blocks until `path` answers 200 (at most LIMIT seconds); fails at once when foresight-edge or
# the background helper NAME (started by e2e_bg, pid PID) has exited.
#   e2e_wait_http PATH [LIMIT [PID NAME]]
e2e_wait_http() {
  local path=$1 limit=${2:-20} pid=${3:-} name=${4:-} i
  for i in $(seq $((limit * 10))); do
    curl -sf --max-time 2 -o /dev/null "http://127.0.0.1:$HPORT$path" && return 0
    kill -0 "$EDGE_PID" 2>/dev/null || e2e_fail "foresight-edge died"
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$OUT/$name.log" >&2
      e2e_fail "$name exited before $path answered"
    fi
    sleep 0.1
  done
  e2e_fail "$path did not answer 200 within $limit s"
}

# The value of an unlabelled sample in a Prometheus text file.
e2e_metric() {
  local v
  v=$(awk -v m="$1" '$1 == m { print $2; exit }' "$2")
  [ -n "$v" ] || e2e_fail "/metrics has no sample '$1'"
  echo "$v"
}

# Checks a Prometheus text exposition (format 0.0.4): '# TYPE name kind' lines are well formed,
# come once per family and before its samples; '# HELP name text' lines name a metric; every
# other non-blank line is `name{label="value",...} value [timestamp]` with a numeric value
# (NaN, +Inf, -Inf allowed) and belongs to a declared family (histograms: _bucket/_sum/_count).
e2e_check_prometheus() {
  awk '
    function bad(why) { printf "  line %d: %s: %s\n", NR, why, $0; errors++ }
    /^#/ {
      if ($2 == "TYPE") {
        if (NF != 4 || $3 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/ ||
            $4 !~ /^(counter|gauge|histogram|summary|untyped)$/) bad("malformed # TYPE")
        else if ($3 in kind) bad("second # TYPE for " $3)
        else if ($3 in sampled) bad("# TYPE after samples of " $3)
        else kind[$3] = $4
      } else if ($2 == "HELP") {
        if (NF < 3 || $3 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/) bad("malformed # HELP")
      }
      next
    }
    /^[ \t]*$/ { next }
    {
      line = $0
      if (!match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*/)) { bad("no metric name"); next }
      name = substr(line, 1, RLENGTH)
      rest = substr(line, RLENGTH + 1)
      if (substr(rest, 1, 1) == "{") {
        if (!match(rest, /^\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*,?)?\}/)) {
          bad("malformed labels"); next
        }
        rest = substr(rest, RLENGTH + 1)
      }
      n = split(rest, f, " ")
      if (substr(rest, 1, 1) != " " || n < 1 || n > 2) { bad("want NAME{LABELS} VALUE [TIMESTAMP]"); next }
      if (f[1] !~ /^[-+]?(([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?|NaN|Inf)$/) { bad("value is not a number"); next }
      if (n == 2 && f[2] !~ /^-?[0-9]+$/) { bad("timestamp is not an integer"); next }
      family = name
      if (!(family in kind)) {
        base = name
        sub(/_(bucket|sum|count)$/, "", base)
        if ((base in kind) && (kind[base] == "histogram" || kind[base] == "summary")) family = base
        else { bad("sample without a # TYPE for its family"); next }
      }
      sampled[family] = 1
      samples++
    }
    END {
      if (samples == 0) { print "  no samples"; errors++ }
      exit errors > 0
    }' "$1"
}

# Checks an MJPEG capture (response headers in $1, body in $2): multipart/x-mixed-replace with a
# boundary; every complete part is Content-Type image/jpeg with a Content-Length whose bytes start
# with the JPEG SOI (ff d8) and end with EOI (ff d9). Prints the number of good parts; fails on a
# bad one. The last part may be cut short by curl --max-time and is not counted.
e2e_count_mjpeg_parts() {
  python3 - "$1" "$2" << 'EOF'
import re, sys
headers = open(sys.argv[1], 'rb').read().decode('latin-1')
body = open(sys.argv[2], 'rb').read()
m = re.search(r'(?im)^content-type:\s*multipart/x-mixed-replace;\s*boundary="?([^";\r\n]+)"?', headers)
if not m:
    sys.exit("not a multipart/x-mixed-replace response: " + headers.strip().replace("\r\n", " | "))
delimiter = b"--" + m.group(1).encode()
good, pos = 0, 0
while True:
    start = body.find(delimiter, pos)
    if start < 0:
        break
    head_end = body.find(b"\r\n\r\n", start)
    if head_end < 0:
        break  # cut short
    head = body[start + len(delimiter):head_end].decode('latin-1')
    if not re.search(r'(?im)^content-type:\s*image/jpeg\s*$', head):
        sys.exit("part %d is not image/jpeg: %r" % (good + 1, head))
    length = re.search(r'(?im)^content-length:\s*(\d+)\s*$', head)
    if not length:
        sys.exit("part %d has no Content-Length" % (good + 1))
    n = int(length.group(1))
    data = body[head_end + 4:head_end + 4 + n]
    if len(data) < n:
        break  # cut short
    if data[:2] != b"\xff\xd8" or data[-2:] != b"\xff\xd9":
        sys.exit("part %d is not a JPEG (starts %s, ends %s)" % (good + 1, data[:2].hex(), data[-2:].hex()))
    good += 1
    pos = head_end + 4 + n
print(good)
EOF
}

# Whether a file starts with the JPEG SOI marker ff d8 (and ends with EOI ff d9).
e2e_is_jpeg() {
  [ -s "$1" ] && [ "$(head -c 2 "$1" | od -An -tx1 | tr -d ' \n')" = ffd8 ] &&
    [ "$(tail -c 2 "$1" | od -An -tx1 | tr -d ' \n')" = ffd9 ]
}

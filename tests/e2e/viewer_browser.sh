#!/usr/bin/env bash
# The viewer page in a real browser: toy model -> foresight-edge, `foresight sim` feeding frames,
# headless Chromium loads http://127.0.0.1:PORT/. Checks that the browser opened the four MJPEG
# streams, that its screenshot is a 1280x900 PNG with pictures in the views, and that the page's DOM has
# the four view <img> elements and the PSNR legend its script fills from /psnr.json. The daemon
# runs with --token: the page is opened as /?token=T and must pass T on to its streams and polls.
# Chromium is required (./foresight.sh deps installs it): without it the test fails.
# Usage: viewer_browser.sh FORESIGHT FORESIGHT_EDGE OUT_DIR   (CTest: viewer_browser)
# Environment: CHROMIUM (default /usr/bin/chromium); FORESIGHT_E2E_MODEL (serve this model
# instead of training a toy one), FORESIGHT_E2E_EDGE_FLAGS (extra foresight-edge flags, e.g.
# "--samples 4"), FORESIGHT_E2E_SIM_FLAGS (extra foresight sim flags, e.g. "--actuation-noise
# 0.3"): how docs/images/viewer*.png are made.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if ! [ -x "$CHROMIUM" ]; then
  echo "FAIL: Chromium not found at '$CHROMIUM'. This test needs it: apt-get install -y" \
    "--no-install-recommends chromium (./foresight.sh deps does), or set CHROMIUM=/path." >&2
  exit 1
fi
e2e_setup "$@"
e2e_model
# shellcheck disable=SC2086  # FORESIGHT_E2E_EDGE_FLAGS is a list of flags
TOKEN=viewer-secret
e2e_start_edge --log-level debug --token "$TOKEN" ${FORESIGHT_E2E_EDGE_FLAGS:-}  # debug: logs each stream it closes
CODE=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$HPORT/")
[ "$CODE" = 401 ] || e2e_fail "the page answered $CODE without the token, expected 401"

# A robot feeding 20 steps a second for as long as the browser needs (stopped at the end).
# shellcheck disable=SC2086  # FORESIGHT_E2E_SIM_FLAGS is a list of flags
e2e_bg sim "$FS" sim --edge "127.0.0.1:$TPORT" --frames 3000 --fps 20 --token "$TOKEN" ${FORESIGHT_E2E_SIM_FLAGS:-}
SIM_PID=$E2E_LAST_PID
# Let the PSNR chart collect a few points before the browser looks.
for _ in $(seq 300); do
  POINTS=$(curl -sf --max-time 2 "http://127.0.0.1:$HPORT/psnr.json?token=$TOKEN" |
    python3 -c 'import json, sys; print(len(json.load(sys.stdin)))' 2>/dev/null || echo 0)
  [ "$POINTS" -ge 20 ] && break
  kill -0 "$SIM_PID" 2>/dev/null || { cat "$OUT/sim.log" >&2; e2e_fail "foresight sim exited early"; }
  sleep 0.1
done
[ "$POINTS" -ge 20 ] || e2e_fail "/psnr.json has $POINTS points after 30 s of the sim, expected >= 20"
e2e_log "sim running, $POINTS PSNR points"

chromium() {
  local profile
  profile=$(mktemp -d "$OUT/chromium-profile.XXXXXX")
  timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
    --user-data-dir="$profile" --window-size=1280,900 --virtual-time-budget=5000 "$@" \
    "http://127.0.0.1:$HPORT/?token=$TOKEN"
}

# --virtual-time-budget waits for pending requests: an <img> whose stream never gets a frame
# keeps the browser waiting until the 60 s timeout (exit 124).
chromium --screenshot="$OUT/viewer.png" 2> "$OUT/chromium-screenshot.log" ||
  { tail -n 20 "$OUT/chromium-screenshot.log" >&2; e2e_fail "chromium --screenshot failed (124: timed out)"; }
e2e_log "screenshot: $OUT/viewer.png ($(stat -c %s "$OUT/viewer.png" 2>/dev/null || echo 0) bytes)"

python3 - "$OUT/viewer.png" << 'EOF' || e2e_fail "the screenshot is not a 1280x900 PNG showing the views (see above)"
# No third-party modules: parse the PNG by hand (8-bit RGB/RGBA, not interlaced, as Chromium
# writes it), undo the row filters of the top half (where the views are) and count its colours.
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
    sys.exit("  not a PNG")
width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", data[16:29])
if (width, height) != (1280, 900):
    sys.exit("  %dx%d, expected 1280x900" % (width, height))
if len(data) <= 10 * 1024:
    sys.exit("  only %d bytes: the page is blank" % len(data))
if depth != 8 or ctype not in (2, 6) or interlace:
    sys.exit("  unexpected PNG layout (depth %d, colour type %d, interlace %d)" % (depth, ctype, interlace))
pos, idat = 8, []
while pos + 8 <= len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    if kind == b"IDAT":
        idat.append(data[pos + 8:pos + 8 + n])
    pos += 12 + n
raw = zlib.decompress(b"".join(idat))
bpp = 3 if ctype == 2 else 4
stride = width * bpp
prev, colours = bytearray(stride), set()
for y in range(height // 2):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    if f == 1:
        for i in range(bpp, stride):
            line[i] = (line[i] + line[i - bpp]) & 255
    elif f == 2:
        line = bytearray((a + b) & 255 for a, b in zip(line, prev))
    elif f == 3:
        for i in range(stride):
            line[i] = (line[i] + ((line[i - bpp] if i >= bpp else 0) + prev[i]) // 2) & 255
    elif f == 4:
        for i in range(stride):
            a, b = (line[i - bpp] if i >= bpp else 0), prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    colours.update(zip(line[0::bpp], line[1::bpp], line[2::bpp]))
    prev = line
# The page without pictures (dark background, captions, empty image boxes) has a few hundred
# colours (anti-aliased text); the camera frames alone bring thousands.
if len(colours) < 2000:
    sys.exit("  the top half has only %d colours: the views show no pictures" % len(colours))
print("screenshot: %dx%d, %d bytes, %d colours in the top half" % (width, height, len(data), len(colours)))
EOF
# The browser has gone, so the daemon closes (and at debug level logs) each stream it served it.
for view in sidebyside camera prediction uncertainty; do
  for _ in $(seq 100); do
    grep -q "http: closed stream of $view:" "$OUT/edge.log" && break
    sleep 0.1
  done
  grep -q "http: closed stream of $view:" "$OUT/edge.log" ||
    e2e_fail "the browser never opened /stream.mjpg?view=$view (no stream of it in the daemon's log)"
done

chromium --dump-dom > "$OUT/viewer.html" 2> "$OUT/chromium-dom.log" ||
  { tail -n 20 "$OUT/chromium-dom.log" >&2; e2e_fail "chromium --dump-dom failed (124: timed out)"; }
for view in sidebyside camera prediction uncertainty; do
  grep -q "<img[^>]* src=\"/stream.mjpg?view=$view&amp;token=$TOKEN\"" "$OUT/viewer.html" ||
    e2e_fail "the page has no <img> streaming the $view view with the token (DOM in $OUT/viewer.html)"
done
# The legend is written by the page's script from /psnr.json: the script ran and got data.
LEGEND=$(grep -o '<span id="last">[^<]*</span>' "$OUT/viewer.html" || true)
grep -Eq '>frame [0-9]+: model [0-9.]+ dB, copy-last [0-9.]+ dB<' <<< "$LEGEND" ||
  e2e_fail "the PSNR legend was not filled in by the page's script: '$LEGEND'"
e2e_log "DOM: 4 view images, legend '$(sed 's/<[^>]*>//g' <<< "$LEGEND")', 4 MJPEG streams served"

kill "$SIM_PID" 2>/dev/null || true
wait "$SIM_PID" 2>/dev/null || true
e2e_stop_edge
echo "OK: screenshot $OUT/viewer.png, $(e2e_elapsed) s"

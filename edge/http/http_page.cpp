#include "edge/http/http_server.hpp"

namespace foresight {

const std::string& http_index_page() {
  static const std::string page = R"HTML(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>foresight-edge</title>
<style>
 body { font-family: sans-serif; background: #111; color: #ddd; margin: 1em; }
 h1 { font-size: 1.2em; } .views { display: flex; flex-wrap: wrap; gap: 12px; }
 figure { margin: 0; } figcaption { font-size: 0.8em; color: #aaa; }
 img { background: #333; image-rendering: pixelated; }
 /* a pose model's strip has five wide pictures: shrink it to the page, keeping its shape */
 img[data-view="sidebyside"] { max-width: 100%; object-fit: contain; }
 canvas { background: #1b1b1b; border: 1px solid #333; }
 #legend span { margin-right: 1.5em; }
</style></head>
<body>
<h1>foresight-edge: live prediction</h1>
<div class="views">
 <figure><img data-view="sidebyside" height="160"><figcaption>frame | predicted for it | (pose models: pose next) | next | uncertainty</figcaption></figure>
</div>
<div class="views">
 <figure><img data-view="camera" width="256"><figcaption>camera</figcaption></figure>
 <figure id="posefig" hidden><img id="pose" width="256"><figcaption>pose of the next frame (the condition)</figcaption></figure>
 <figure><img data-view="prediction" width="256"><figcaption>prediction (next frame, mean)</figcaption></figure>
 <figure><img data-view="uncertainty" width="256"><figcaption>uncertainty (per-pixel std)</figcaption></figure>
</div>
<h2 style="font-size:1em">Online PSNR (dB) of the 1-step prediction vs the frame that came</h2>
<canvas id="chart" width="800" height="220"></canvas>
<div id="legend"><span style="color:#4fc3f7">model</span><span style="color:#ffb74d">copy last frame</span><span id="last"></span></div>
<script>
// With --token the daemon wants ?token=... on every request: pass on the one this page came with.
const token = new URLSearchParams(location.search).get('token');
const url = path => token ? path + (path.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(token) : path;
for (const img of document.querySelectorAll('img[data-view]')) img.src = url('/stream.mjpg?view=' + img.dataset.view);
const canvas = document.getElementById('chart'), ctx = canvas.getContext('2d');
function draw(points) {
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (points.length < 2) return;
  const all = points.flatMap(p => [p.psnr, p.copy_last_psnr]).filter(v => v < 99);
  let lo = Math.min(...all, 10), hi = Math.max(...all, 30);
  const x = i => 30 + i * (canvas.width - 40) / (points.length - 1);
  const y = v => canvas.height - 15 - (Math.min(v, hi) - lo) * (canvas.height - 30) / (hi - lo);
  ctx.strokeStyle = '#333'; ctx.fillStyle = '#888'; ctx.font = '10px sans-serif';
  for (let v = Math.ceil(lo / 5) * 5; v <= hi; v += 5) {
    ctx.beginPath(); ctx.moveTo(30, y(v)); ctx.lineTo(canvas.width, y(v)); ctx.stroke();
    ctx.fillText(v, 2, y(v) + 3);
  }
  for (const [key, colour] of [['copy_last_psnr', '#ffb74d'], ['psnr', '#4fc3f7']]) {
    ctx.strokeStyle = colour; ctx.beginPath();
    points.forEach((p, i) => i ? ctx.lineTo(x(i), y(p[key])) : ctx.moveTo(x(i), y(p[key])));
    ctx.stroke();
  }
  const p = points[points.length - 1];
  document.getElementById('last').textContent =
    `frame ${p.frame_seq}: model ${p.psnr.toFixed(2)} dB, copy-last ${p.copy_last_psnr.toFixed(2)} dB`;
}
// The pose view exists only for pose-conditioned models: show it once it has a picture.
async function find_pose() {
  try {
    if ((await fetch(url('/snapshot.jpg?view=pose'))).ok) {
      document.getElementById('pose').src = url('/stream.mjpg?view=pose');
      document.getElementById('posefig').hidden = false;
      return;
    }
  } catch (e) {}
  setTimeout(find_pose, 2000);
}
find_pose();
async function poll() {
  try { draw(await (await fetch(url('/psnr.json'))).json()); } catch (e) {}
  setTimeout(poll, 1000);
}
poll();
</script>
</body></html>
)HTML";
  return page;
}

}  // namespace foresight

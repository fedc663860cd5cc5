#include "trainer/eval/pose_rollout.hpp"

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "common/metrics/image_metrics.hpp"
#include "common/model/cpu_packing.hpp"
#include "common/util/atomic_file.hpp"
#include "trainer/report/gif_writer.hpp"
#include "trainer/report/image_grid.hpp"
#include "trainer/report/plots.hpp"

namespace foresight {
namespace fs = std::filesystem;

PoseRollout rollout_pose(PoseModel& trained, const PoseClip& clip, const PoseRolloutOptions& o) {
  const PoseConfig& c = trained.config();
  const int64_t T = clip.frames.size(0);
  if (T < 2) throw std::invalid_argument("rollout_pose: the clip needs at least 2 frames");
  if (clip.frames.size(2) != c.height || clip.frames.size(3) != c.width) {
    throw std::invalid_argument("rollout_pose: clip frames are " +
                                std::to_string(clip.frames.size(3)) + "x" +
                                std::to_string(clip.frames.size(2)) + ", the model takes " +
                                std::to_string(c.width) + "x" + std::to_string(c.height));
  }
  if (o.chunk < 1) throw std::invalid_argument("rollout_pose: chunk must be >= 1");
  at::NoGradGuard no_grad;
  trained.train(false);
  const auto device = trained.parameters().front().device();
  // On the CPU the rollout runs on a copy with prepacked convolution weights, as evaluate() does
  // (cpu_packing.hpp); the trained module itself is never packed.
  PoseModel model(packed_copy_for_cpu(trained.module()), c);
  at::Generator gen = at::detail::createCPUGenerator(o.seed);
  const int64_t pixels = static_cast<int64_t>(c.height) * c.width;

  PoseRollout r;
  r.truth = clip.frames;
  std::vector<at::Tensor> preds{clip.frames.narrow(0, 0, 1)};
  at::Tensor x = clip.frames.narrow(0, 0, 1).to(device);
  std::vector<at::Tensor> state = model.rollout_state(x, clip.labels.narrow(0, 0, 1).to(device));
  for (int64_t t = 1; t < T; t += o.chunk) {
    const int64_t K = std::min<int64_t>(o.chunk, T - t);
    at::Tensor conds = clip.labels.narrow(0, t, K).reshape({K, 1, 3 * pixels}).to(device);
    at::Tensor noise = (at::randn({K + 1, 1, c.n_dim * pixels}, gen) * o.noise_scale).to(device);
    // The pose of the frame before is known here (the edge's first step has to guess it).
    at::Tensor cond_prev = clip.labels[t - 1].reshape({1, 3 * pixels}).to(device);
    auto [out, next_state] = model.step(x, cond_prev, conds, state, false, noise);
    state = next_state;
    x = out[K - 1];
    preds.push_back(out.squeeze(1).cpu());
  }
  r.predictions = at::cat(preds, 0);
  at::Tensor truth = clip.frames.narrow(0, 1, T - 1);
  at::Tensor p = psnr_per_image(r.predictions.narrow(0, 1, T - 1).clamp(0, 1), truth);
  at::Tensor copy =
      psnr_per_image(clip.frames.narrow(0, 0, 1).expand_as(truth).contiguous(), truth);
  r.psnr.assign(p.data_ptr<double>(), p.data_ptr<double>() + p.numel());
  r.copy_first_psnr.assign(copy.data_ptr<double>(), copy.data_ptr<double>() + copy.numel());
  r.psnr_mean = p.mean().item<double>();
  r.copy_first_psnr_mean = copy.mean().item<double>();
  return r;
}

nlohmann::json to_json(const PoseRollout& r, const PoseRolloutOptions& o) {
  nlohmann::json j;
  j["psnr_mean"] = r.psnr_mean;
  j["copy_first_psnr"] = r.copy_first_psnr_mean;
  j["frames"] = r.truth.size(0);
  j["scored_frames"] = r.psnr.size();
  j["noise_scale"] = o.noise_scale;
  j["seed"] = o.seed;
  j["psnr_per_frame"] = r.psnr;
  j["copy_first_psnr_per_frame"] = r.copy_first_psnr;
  return j;
}

void write_pose_rollout_report(const fs::path& dir, const PoseRollout& r, const at::Tensor& labels,
                               int gif_stride) {
  fs::create_directories(dir);
  std::string csv = "frame,psnr,copy_first_psnr\n";
  Series model{"model", {}, {}}, copy{"copy first frame", {}, {}};
  for (size_t i = 0; i < r.psnr.size(); ++i) {
    char row[96];
    std::snprintf(row, sizeof row, "%zu,%.4f,%.4f\n", i + 1, r.psnr[i], r.copy_first_psnr[i]);
    csv += row;
    model.x.push_back(static_cast<double>(i + 1));
    model.y.push_back(r.psnr[i]);
    copy.x.push_back(static_cast<double>(i + 1));
    copy.y.push_back(r.copy_first_psnr[i]);
  }
  write_file_atomically(dir / "psnr_per_frame.csv", csv);
  try {
    char title[128];
    std::snprintf(title, sizeof title, "rollout PSNR: mean %.2f dB (copy first %.2f dB)",
                  r.psnr_mean, r.copy_first_psnr_mean);
    plot_series(dir / "psnr_per_frame.png", title, "frame", "PSNR (dB)", {model, copy});
  } catch (const std::exception& e) {
    spdlog::warn("{}: not drawn: {}", (dir / "psnr_per_frame.png").string(), e.what());
  }
  std::vector<cv::Mat> pose, pred, truth;
  for (int64_t t = 0; t < r.truth.size(0); t += std::max(1, gif_stride)) {
    pose.push_back(tensor_to_rgb(labels[t]));
    pred.push_back(tensor_to_rgb(r.predictions[t]));
    truth.push_back(tensor_to_rgb(r.truth[t]));
  }
  write_gif(dir / "rollout.gif", side_by_side_frames({pose, pred, truth}), 8, 3);

  // A still for documents: rows pose, prediction, truth; columns frames 0, 1, 2, 5, 10, 20, ...
  std::vector<std::vector<cv::Mat>> rows(3);
  const int64_t T = r.truth.size(0);
  for (int64_t t : {0, 1, 2, 5, 10, 20, 50, 100, 200, 400, 629}) {
    if (t >= T) break;
    rows[0].push_back(tensor_to_rgb(labels[t]));
    rows[1].push_back(tensor_to_rgb(r.predictions[t]));
    rows[2].push_back(tensor_to_rgb(r.truth[t]));
  }
  write_png_rgb(dir / "rollout_strip.png", make_grid(rows, 2));
}

}  // namespace foresight

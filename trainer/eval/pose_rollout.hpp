// The pose model's evaluation (the seed report's protocol): from the first frame of a clip and
// the pose images of all its frames, an autoregressive rollout of the whole clip through the
// module's `step` (the edge's code path), each prediction fed back as the next previous frame.
// Scored per frame by PSNR against the truth, beside copying the first frame.
#pragma once
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <vector>

#include "common/dataset/pose_clip_reader.hpp"
#include "common/model/pose_model.hpp"

namespace foresight {

struct PoseRolloutOptions {
  double noise_scale = 0.5;  // z = noise_scale * N(0, I); the seed report used 0.5
  uint64_t seed = 1;         // latent noise
  int chunk = 32;            // frames predicted per step() call (memory, not results)
};

struct PoseRollout {
  at::Tensor truth;                     // [T, 3, H, W] on the CPU
  at::Tensor predictions;               // [T, 3, H, W]; frame 0 is the given first frame
  std::vector<double> psnr;             // frames 1..T-1: psnr[t - 1] is frame t's
  std::vector<double> copy_first_psnr;  // the first frame scored as the prediction of frame t
  double psnr_mean = 0.0;               // mean over frames 1..T-1
  double copy_first_psnr_mean = 0.0;
};

// Runs the rollout in eval mode without gradients on the model's device. Throws
// std::invalid_argument when the clip has fewer than 2 frames or its size is not the model's.
PoseRollout rollout_pose(PoseModel& model, const PoseClip& clip, const PoseRolloutOptions& options);

// psnr_mean, copy_first_psnr, frames, noise_scale and the per-frame lists.
nlohmann::json to_json(const PoseRollout& r, const PoseRolloutOptions& options);

// Writes psnr_per_frame.csv (frame,psnr,copy_first_psnr), psnr_per_frame.png (both curves),
// rollout.gif (pose | prediction | truth, every `gif_stride`-th frame) and rollout_strip.png
// (rows pose, prediction, truth at frames 0, 1, 2, 5, 10, 20, 50, ..., 629) into dir. Pictures that
// cannot be drawn (gnuplot missing) are logged as warnings; the CSV always is written.
void write_pose_rollout_report(const std::filesystem::path& dir, const PoseRollout& r,
                               const at::Tensor& labels, int gif_stride = 3);

}  // namespace foresight

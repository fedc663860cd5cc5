// `foresight train --model pose`: the pose CVAE's protocol (cyclical KL annealing, teacher forcing
// with decay, Adam with a cosine schedule, gradient clipping, the NaN guard) on 16-frame clips,
// validated after each epoch by the full-length rollout of the validation video (pose_rollout.hpp),
// with the SVG trainer's checkpoints (last + best, atomic), metrics.csv, plots and GIF.
#pragma once
#include <filesystem>
#include <optional>

#include "trainer/train/trainer.hpp"

namespace foresight {

// As train(): from scratch with `config` (config.model == "pose"), or continuing `resume_dir`.
// TrainSummary::copy_last_psnr holds the copy-first-frame baseline of the rollout.
TrainSummary train_pose(const TrainConfig& config, const std::optional<std::filesystem::path>& resume_dir);

}  // namespace foresight

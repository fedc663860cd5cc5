// Training checkpoints: weights, the full config, optimiser state, progress and RNG state in one
// file written atomically (temp + rename). Weights and config are stored as a plain pickled
// dictionary (torch::pickle_save), which any LibTorch or PyTorch version reads with
// torch::pickle_load / torch.load — so a model trained with the GPU machine's LibTorch 2.x can be
// exported by Debian's 1.13 for a device that runs 1.13.
#pragma once
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/model/pose_model.hpp"
#include "common/model/svg_model.hpp"
#include "trainer/config/train_config.hpp"

namespace foresight {

class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Checkpoint {
  TrainConfig config;
  ModelFamily family = ModelFamily::kSvg;  // which of the two configs below describes the weights
  SvgConfig model_config;
  PoseConfig pose_config;
  int epoch = 0;          // epochs completed
  int64_t iteration = 0;  // optimiser steps completed
  double val_psnr = 0.0;  // validation PSNR after `epoch`
  double best_val_psnr = -1e30;
  std::string optimizer_state;  // torch::serialize archive bytes (same-version resume only)
  at::Tensor rng_state;         // CPU generator state
  // With --ema the weights above are the average that validation saw; these are the live ones
  // Adam continues from (parameters, then buffers, in the model's order; empty without --ema).
  std::vector<at::Tensor> training_weights;
};

constexpr const char* kLastCheckpoint = "last.ckpt";
constexpr const char* kBestCheckpoint = "best.ckpt";

// Writes `ckpt` and the model's parameters and buffers to `path` atomically (family and model
// config taken from the model).
void save_checkpoint(const std::filesystem::path& path, const Checkpoint& ckpt, SvgModel& model);
void save_checkpoint(const std::filesystem::path& path, const Checkpoint& ckpt, PoseModel& model);

// Reads a checkpoint; builds the model from its config and loads the weights into it.
// Throws CheckpointError naming the file for unreadable, truncated or inconsistent checkpoints,
// and for a checkpoint of the other family.
std::pair<Checkpoint, SvgModel> load_checkpoint(const std::filesystem::path& path);
std::pair<Checkpoint, PoseModel> load_pose_checkpoint(const std::filesystem::path& path);

// The checkpoint's family (checkpoints written before the pose family are svg). Throws as
// load_checkpoint.
ModelFamily checkpoint_family(const std::filesystem::path& path);

// A checkpoint file, or a run directory (then its best checkpoint, or last if there is no best).
std::filesystem::path resolve_checkpoint(const std::filesystem::path& file_or_run_dir);

}  // namespace foresight

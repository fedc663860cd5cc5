// `foresight train`: the SVG training protocol of both seed reports (KL annealing, teacher
// forcing, Adam, gradient clipping, NaN guard), with per-epoch validation through the edge's
// code path, checkpoints (last + best, atomic), metrics.csv, plots and prediction GIFs.
#pragma once
#include <c10/core/Device.h>

#include <filesystem>
#include <optional>
#include <stdexcept>

#include "trainer/config/train_config.hpp"

namespace foresight {

// Thrown when the loss becomes NaN or infinite; the last good checkpoint is left untouched.
class TrainingDiverged : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TrainSummary {
  int epochs = 0;
  double best_val_psnr = 0.0;
  double copy_last_psnr = 0.0;
  std::filesystem::path run_dir;
};

// Trains from scratch with `config`, or continues the run in `resume_dir` (model, optimiser,
// schedules, RNG state and epoch restored; config taken from the run, `config.epochs` may extend it).
TrainSummary train(const TrainConfig& config, const std::optional<std::filesystem::path>& resume_dir);

// Picks the device for "auto" | "cpu" | "cuda"; throws std::runtime_error if cuda is unavailable.
c10::Device select_device(const std::string& name);

// Sets LibTorch's intra-op thread count (0: all cores) and returns it.
int set_threads(int threads);

}  // namespace foresight

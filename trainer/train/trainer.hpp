// `foresight train`: one training loop for both model families (training_family.hpp has what
// differs): the seed reports' protocol (KL annealing, teacher forcing, Adam with its schedule,
// gradient clipping, NaN guard), per-epoch validation (SVG through the edge's code path, pose by
// the full validation rollout), checkpoints (last + best, atomic), metrics.csv, plots and GIFs.
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

// Trains from scratch with `config` (config.model picks the family), or continues the run in
// `resume_dir` (its family, model, optimiser, schedules, RNG state and epoch restored; config taken
// from the run, `config.epochs` may extend it; device, threads and workers come from `config`,
// so a run moves between machines and devices). TrainSummary::copy_last_psnr holds the family's
// baseline: copy-last (SVG) or copy-first over the rollout (pose).
TrainSummary train(const TrainConfig& config,
                   const std::optional<std::filesystem::path>& resume_dir);

// Picks the device for "auto" | "cpu" | "cuda" (auto logs its choice); throws ConfigError (exit
// code 2) naming the reason if cuda is asked for and unavailable.
c10::Device select_device(DeviceChoice choice);

// Sets LibTorch's intra-op thread count (0: all cores, shared evenly by the
// `processes_per_machine` ranks of a data-parallel run on one machine) and returns it.
int set_threads(int threads, int processes_per_machine = 1);

}  // namespace foresight

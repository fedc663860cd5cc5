// What differs between the two model families inside the one training loop (trainer.cpp): the
// model and its checkpoint, where batches come from, the loss, validation and its pictures. The
// loop owns everything they share: resume, config.json, seeding, Adam and its schedules, the
// divergence check, the status line, last/best checkpoints and metrics.csv.
#pragma once
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "trainer/checkpoint/checkpoint.hpp"
#include "trainer/config/train_config.hpp"
#include "trainer/report/metrics_log.hpp"

namespace foresight {

struct IterationLoss {
  at::Tensor loss;  // what backward() runs on (scalar)
  at::Tensor mse;   // its reconstruction term
  at::Tensor kld;   // its KL term, unweighted
};

struct EpochValidation {
  double psnr = 0.0;                   // mean PSNR (dB): picks the best checkpoint
  double ssim = MetricsRow::kMissing;  // mean SSIM, where the family measures it
  double baseline_psnr = 0.0;          // the baseline that needs no training
  std::string summary;                 // for the epoch's log line
};

class DistGroup;

// This process's part of a data-parallel run (rank 0 of 1, no group, when it runs alone).
struct DataShard {
  int rank = 0;
  int world = 1;
  DistGroup* group = nullptr;  // for reducing validation results across ranks
};

class TrainingFamily {
 public:
  virtual ~TrainingFamily() = default;

  // Loads the run's last checkpoint (model kept for start()) and returns it.
  virtual Checkpoint load(const std::filesystem::path& checkpoint) = 0;
  // Builds the model for `cfg` unless one was loaded, moves it to `device` and opens the data,
  // positioned after `iteration` batches (a resumed run sees the batches an uninterrupted one
  // would). With shard.world > 1 the family reads rank shard.rank's share of each global batch of
  // cfg.batch_size sequences and of the validation split; throws ConfigError if it cannot.
  virtual void start(const TrainConfig& cfg, c10::Device device, int64_t iteration,
                     const DataShard& shard) = 0;
  // A one-line description for the start-up log.
  virtual std::string describe() const = 0;

  virtual std::vector<at::Tensor> parameters() = 0;
  virtual std::vector<at::Tensor> buffers() = 0;
  // Training mode on or off (cfg.batchnorm frozen keeps BatchNorm layers in eval mode).
  virtual void set_training(bool on) = 0;
  // The loss of the next training batch (forward only; the loop runs backward and the step).
  // `coins` (CPU) draws the teacher-forcing choices; `noise` (on the model's device) the latent
  // and pose noise, so that a GPU run copies no noise from the host.
  virtual IterationLoss next_loss(double teacher_forcing, double beta, at::Generator& coins,
                                  at::Generator& noise) = 0;
  // The validation of this rank's share, reduced over the ranks: every rank returns the same.
  virtual EpochValidation validate() = 0;
  // Writes `ckpt` (the loop fills what both families have) with this family's model and config.
  virtual void save(const std::filesystem::path& path, Checkpoint ckpt) = 0;
  // Plots of metrics.csv and pictures of the last validation; never throws (warns instead).
  virtual void write_pictures(const std::filesystem::path& metrics_csv) = 0;
};

std::unique_ptr<TrainingFamily> make_svg_family();
std::unique_ptr<TrainingFamily> make_pose_family();

}  // namespace foresight

#include "trainer/train/pose_trainer.hpp"

#include <ATen/ATen.h>
#include <torch/types.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adam.h>
#include <torch/version.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>

#include "common/dataset/pose_clip_reader.hpp"
#include "common/util/atomic_file.hpp"
#include "common/util/logging.hpp"
#include "common/util/progress_bar.hpp"
#include "trainer/checkpoint/checkpoint.hpp"
#include "trainer/eval/pose_rollout.hpp"
#include "trainer/report/metrics_log.hpp"
#include "trainer/report/plots.hpp"
#include "trainer/schedules/schedules.hpp"
#include "trainer/train/optimizer_state.hpp"
#include "trainer/train/pose_objective.hpp"

namespace foresight {
namespace fs = std::filesystem;

namespace {

// Clips of video_len frames drawn in a shuffled order, reshuffled when all have been used.
class PoseClipSampler {
 public:
  PoseClipSampler(PoseSplit split, const TrainConfig& cfg, uint64_t seed)
      : split_(std::move(split)), cfg_(cfg), rng_(seed),
        starts_(pose_clip_starts(split_.size(), cfg.video_len)) {
    if (starts_.empty()) {
      throw DatasetError(split_.image_dir.string() + ": " + std::to_string(split_.size()) +
                         " frames, fewer than one clip of --video-len " +
                         std::to_string(cfg.video_len));
    }
    std::shuffle(starts_.begin(), starts_.end(), rng_);
  }
  size_t clips() const { return starts_.size(); }

  // (frames, labels) [video_len, batch, 3, H, W].
  std::pair<at::Tensor, at::Tensor> next() {
    std::vector<at::Tensor> frames, labels;
    for (int b = 0; b < cfg_.batch_size; ++b) {
      if (next_ == starts_.size()) {
        std::shuffle(starts_.begin(), starts_.end(), rng_);
        next_ = 0;
      }
      PoseClip c = load_pose_clip(split_, starts_[next_++], cfg_.video_len, cfg_.frame_height,
                                  cfg_.frame_width);
      frames.push_back(c.frames);
      labels.push_back(c.labels);
    }
    return {at::stack(frames, 1), at::stack(labels, 1)};
  }

 private:
  PoseSplit split_;
  const TrainConfig& cfg_;
  std::mt19937_64 rng_;
  std::vector<int> starts_;
  size_t next_ = 0;
};

}  // namespace

TrainSummary train_pose(const TrainConfig& requested, const std::optional<fs::path>& resume_dir) {
  TrainConfig cfg = requested;
  std::optional<Checkpoint> resumed;
  std::optional<PoseModel> model;
  if (resume_dir) {
    const fs::path ckpt_path = *resume_dir / kLastCheckpoint;
    auto [ckpt, m] = load_pose_checkpoint(ckpt_path);
    cfg = ckpt.config;
    if (requested.epochs > cfg.epochs) cfg.epochs = requested.epochs;
    cfg.out = resume_dir->string();
    spdlog::info("resuming {} at epoch {} (iteration {})", ckpt_path.string(), ckpt.epoch, ckpt.iteration);
    resumed = std::move(ckpt);
    model.emplace(std::move(m));
  }
  cfg.validate();
  const fs::path run_dir = cfg.out;
  fs::create_directories(run_dir);
  const nlohmann::json cfg_json = cfg;
  spdlog::info("config: {}", cfg_json.dump());
  write_file_atomically(run_dir / "config.json", cfg_json.dump(2) + "\n");

  const int threads = set_threads(cfg.threads);
  const c10::Device device = select_device(cfg.device);
  spdlog::info("pose CVAE | device {} | {} threads | LibTorch {}", device.str(), threads, TORCH_VERSION);

  if (!model) {
    at::manual_seed(cfg.seed);
    model.emplace(PoseModel::create(cfg.pose_config()));
  } else {
    at::manual_seed(cfg.seed + resumed->epoch);
    if (resumed->rng_state.numel() > 0) {
      at::Generator default_gen = at::detail::getDefaultCPUGenerator();
      default_gen.set_state(resumed->rng_state);
    }
  }
  model->module().to(device);

  PoseClipSampler sampler(open_pose_split(cfg.data, "train"), cfg,
                          cfg.seed + (resumed ? resumed->epoch : 0));
  const PoseSplit val_split = open_pose_split(cfg.data, "val");
  const int val_frames = std::min(cfg.val_len, val_split.size());
  const PoseClip val_clip = load_pose_clip(val_split, 0, val_frames, cfg.frame_height, cfg.frame_width);
  spdlog::info("train: {} clips of {} frames; validation: rollout of {} frames ({})", sampler.clips(),
               cfg.video_len, val_frames, val_split.image_dir.string());
  if (val_frames < cfg.val_len) {
    spdlog::warn("{} has {} frames: the validation rollout is shorter than --val-len {}",
                 val_split.image_dir.string(), val_split.size(), cfg.val_len);
  }

  torch::optim::Adam optimizer(model->parameters(),
                               torch::optim::AdamOptions(cfg.lr).betas({cfg.beta1, 0.999}));
  int start_epoch = 0;
  int64_t iteration = 0;
  double best_psnr = -1e30;
  if (resumed) {
    restore_optimizer(optimizer, resumed->optimizer_state, *resume_dir / kLastCheckpoint);
    start_epoch = resumed->epoch;
    iteration = resumed->iteration;
    best_psnr = resumed->best_val_psnr;
  }
  const int64_t total_iters = static_cast<int64_t>(cfg.epochs) * cfg.iters_per_epoch;
  KlSchedule kl{parse_kl_anneal(cfg.kl_anneal), cfg.kl_cycles, cfg.kl_ratio};
  TeacherForcingSchedule tf{cfg.tfr, cfg.tfr_start_decay_epoch, cfg.tfr_decay_step, cfg.tfr_lower_bound};
  at::Generator gen = at::detail::getDefaultCPUGenerator();
  MetricsLog log(run_dir, start_epoch + 1);
  TrainSummary summary;
  summary.run_dir = run_dir;
  PoseRolloutOptions rollout_opts;
  rollout_opts.noise_scale = cfg.noise_scale;
  rollout_opts.seed = cfg.seed;  // the same noise every epoch: curves compare models, not draws

  for (int epoch = start_epoch; epoch < cfg.epochs; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    const double tfr = tf.ratio(epoch);
    double sum_loss = 0, sum_mse = 0, sum_kld = 0, beta_now = 0, lr_now = cfg.lr;
    model->train(true);
    ProgressBar bar(cfg.iters_per_epoch, "epoch " + std::to_string(epoch + 1) + "/" + std::to_string(cfg.epochs));
    for (int it = 0; it < cfg.iters_per_epoch; ++it, ++iteration) {
      auto [frames, labels] = sampler.next();
      frames = frames.to(device);
      labels = labels.to(device);
      beta_now = cfg.beta * kl.weight(iteration, total_iters);
      lr_now = cfg.lr_schedule == "cosine" ? cosine_lr(cfg.lr, cfg.lr_min, iteration, total_iters) : cfg.lr;
      for (auto& group : optimizer.param_groups()) {
        static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr_now);
      }
      at::Tensor forced = at::rand({frames.size(1)}, gen) < tfr;
      PoseLoss l = pose_loss(*model, frames, labels, forced, beta_now, gen);
      const double loss = l.loss.item<double>();
      if (!std::isfinite(loss)) {
        throw TrainingDiverged("non-finite loss (" + std::to_string(loss) + ") at epoch " +
                               std::to_string(epoch + 1) + ", iteration " + std::to_string(iteration) +
                               "; the last good checkpoint is " + (run_dir / kLastCheckpoint).string() +
                               " (try a lower --lr or --grad-clip)");
      }
      optimizer.zero_grad();
      l.loss.backward();
      if (cfg.grad_clip > 0) torch::nn::utils::clip_grad_norm_(model->parameters(), cfg.grad_clip);
      optimizer.step();
      sum_loss += loss;
      sum_mse += l.mse.item<double>();
      sum_kld += l.kld.item<double>();
      char status[160];
      std::snprintf(status, sizeof status, "loss %.5f mse %.5f kl %.4f beta %.2e tfr %.2f lr %.2e",
                    sum_loss / (it + 1), sum_mse / (it + 1), sum_kld / (it + 1), beta_now, tfr, lr_now);
      bar.tick(1, status);
    }
    bar.finish();

    PoseRollout val = rollout_pose(*model, val_clip, rollout_opts);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    Checkpoint ckpt;
    ckpt.family = "pose";
    ckpt.config = cfg;
    ckpt.pose_config = model->config();
    ckpt.epoch = epoch + 1;
    ckpt.iteration = iteration;
    ckpt.val_psnr = val.psnr_mean;
    ckpt.best_val_psnr = std::max(best_psnr, val.psnr_mean);
    ckpt.optimizer_state = optimizer_bytes(optimizer);
    ckpt.rng_state = at::detail::getDefaultCPUGenerator().get_state();
    save_checkpoint(run_dir / kLastCheckpoint, ckpt, *model);
    const bool best = val.psnr_mean > best_psnr;
    if (best) {
      best_psnr = val.psnr_mean;
      save_checkpoint(run_dir / kBestCheckpoint, ckpt, *model);
    }
    const int n = cfg.iters_per_epoch;
    MetricsRow row;
    row.epoch = epoch + 1;
    row.loss = sum_loss / n;
    row.mse = sum_mse / n;
    row.kld = sum_kld / n;
    row.beta = beta_now;
    row.tfr = tfr;
    row.lr = lr_now;
    row.val_psnr = val.psnr_mean;
    row.seconds = seconds;
    log.append(row);
    try {
      plot_training_curves(log.path(), run_dir / "plots", val.copy_first_psnr_mean);
      write_pose_rollout_report(run_dir / "samples", val, val_clip.labels);
    } catch (const std::exception& e) {
      spdlog::warn("pictures not written: {}", e.what());
    }
    spdlog::info("epoch {}/{}: loss {:.5f} rollout PSNR {:.2f} dB over {} frames (copy-first {:.2f}){} [{}]",
                 epoch + 1, cfg.epochs, row.loss, val.psnr_mean, val_frames, val.copy_first_psnr_mean,
                 best ? " *best*" : "", format_duration(seconds));
    summary.copy_last_psnr = val.copy_first_psnr_mean;
    summary.epochs = epoch + 1;
  }
  summary.best_val_psnr = best_psnr;
  return summary;
}

}  // namespace foresight

// The pose family in the training loop: clips of the pose layout's train video, the pose CVAE's
// objective, and validation by the full-length rollout of the validation video (pose_rollout.hpp)
// against copy-first.
#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <optional>
#include <random>
#include <set>

#include "common/dataset/pose_clip_reader.hpp"
#include "common/dataset/sequence_reader.hpp"
#include "trainer/eval/pose_rollout.hpp"
#include "trainer/report/plots.hpp"
#include "trainer/train/batchnorm_mode.hpp"
#include "trainer/train/colour_augment.hpp"
#include "trainer/train/pose_objective.hpp"
#include "trainer/train/training_family.hpp"

namespace foresight {
namespace fs = std::filesystem;
namespace {

// Clips of video_len frames drawn in a shuffled order, reshuffled when all have been used. A
// batch's clips load on up to --workers threads. With --skip-bad a clip with an unreadable frame
// is dropped (warned once) and another drawn; without it the DatasetError stops training.
class PoseClipSampler {
 public:
  PoseClipSampler(PoseSplit split, const TrainConfig& cfg, uint64_t seed)
      : split_(std::move(split)),
        cfg_(cfg),
        rng_(seed),
        starts_(pose_clip_starts(split_.size(), cfg.video_len)) {
    if (starts_.empty()) {
      throw DatasetError(split_.image_dir.string() + ": " + std::to_string(split_.size()) +
                         " frames, fewer than one clip of --video-len " +
                         std::to_string(cfg.video_len));
    }
    std::shuffle(starts_.begin(), starts_.end(), rng_);
  }
  size_t clips() const { return starts_.size() - bad_.size(); }
  // Advances past `n` draws without loading them (exact while no clip was dropped as bad).
  void skip(int64_t n) {
    for (int64_t i = 0; i < n; ++i) draw();
  }

  // (frames, labels) [video_len, batch, 3, H, W].
  std::pair<at::Tensor, at::Tensor> next() {
    std::vector<at::Tensor> frames, labels;
    while (static_cast<int>(frames.size()) < cfg_.batch_size) {
      std::vector<int> wanted;
      while (static_cast<int>(frames.size() + wanted.size()) < cfg_.batch_size) {
        wanted.push_back(draw());
      }
      for (auto& [start, clip] : load(wanted)) {
        if (!clip) continue;  // bad, dropped: the outer loop draws a replacement
        frames.push_back(clip->frames);
        labels.push_back(clip->labels);
      }
    }
    return {at::stack(frames, 1), at::stack(labels, 1)};
  }

 private:
  int draw() {
    for (;;) {
      if (clips() == 0) throw DatasetError(split_.image_dir.string() + ": every clip is bad");
      if (next_ == starts_.size()) {
        std::shuffle(starts_.begin(), starts_.end(), rng_);
        next_ = 0;
      }
      const int start = starts_[next_++];
      if (!bad_.count(start)) return start;
    }
  }

  std::vector<std::pair<int, std::optional<PoseClip>>> load(const std::vector<int>& starts) {
    auto one = [this](int start) -> std::optional<PoseClip> {
      try {
        return load_pose_clip(split_, start, cfg_.video_len, cfg_.frame_height, cfg_.frame_width);
      } catch (const DatasetError& e) {
        if (!cfg_.skip_bad) throw;
        spdlog::warn("skipping the clip at frame {} (--skip-bad): {}", start, e.what());
        return std::nullopt;
      }
    };
    std::vector<std::pair<int, std::optional<PoseClip>>> out;
    const size_t workers = static_cast<size_t>(std::max(0, cfg_.workers));
    for (size_t i = 0; i < starts.size();) {
      // Up to `workers` clips at once (0: on this thread), collected in order.
      std::vector<std::future<std::optional<PoseClip>>> running;
      const size_t n = std::min(starts.size() - i, std::max<size_t>(workers, 1));
      for (size_t k = 0; k < n; ++k) {
        running.push_back(std::async(workers > 0 ? std::launch::async : std::launch::deferred, one,
                                     starts[i + k]));
      }
      for (size_t k = 0; k < n; ++k) {
        out.emplace_back(starts[i + k], running[k].get());
        if (!out.back().second) bad_.insert(starts[i + k]);
      }
      i += n;
    }
    return out;
  }

  PoseSplit split_;
  const TrainConfig& cfg_;
  std::mt19937_64 rng_;
  std::vector<int> starts_;
  std::set<int> bad_;
  size_t next_ = 0;
};

class PoseFamily final : public TrainingFamily {
 public:
  Checkpoint load(const fs::path& checkpoint) override {
    auto [ckpt, model] = load_pose_checkpoint(checkpoint);
    model_.emplace(std::move(model));
    return ckpt;
  }

  void start(const TrainConfig& cfg, c10::Device device, int64_t iteration,
             const DataShard& shard) override {
    if (shard.world > 1) {
      throw ConfigError("--model pose does not train data-parallel yet (" +
                        std::to_string(shard.world) + " ranks): run it as one process");
    }
    cfg_ = cfg;
    device_ = device;
    if (!model_) model_.emplace(PoseModel::create(cfg.pose_config()));
    model_->module().to(device);
    ahead_ = {};  // waits for a batch still loading from an earlier start
    sampler_.emplace(open_pose_split(cfg.data, "train"), cfg_, cfg.seed);
    sampler_->skip(iteration * cfg.batch_size);  // a resumed run continues the same clip stream
    pin_ = device.is_cuda();
    const PoseSplit val_split = open_pose_split(cfg.data, "val");
    val_frames_ = std::min(cfg.val_len, val_split.size());
    val_clip_ = load_pose_clip(val_split, 0, val_frames_, cfg.frame_height, cfg.frame_width);
    spdlog::info("train: {} clips of {} frames; validation: rollout of {} frames ({})",
                 sampler_->clips(), cfg.video_len, val_frames_, val_split.image_dir.string());
    if (val_frames_ < cfg.val_len) {
      spdlog::warn("{} has {} frames: the validation rollout is shorter than --val-len {}",
                   val_split.image_dir.string(), val_split.size(), cfg.val_len);
    }
    rollout_.noise_scale = cfg.noise_scale;
    rollout_.seed = cfg.seed;  // the same noise every epoch: curves compare models, not draws
  }

  std::string describe() const override { return "pose CVAE"; }
  std::vector<at::Tensor> parameters() override { return model_->parameters(); }
  std::vector<at::Tensor> buffers() override { return module_buffers(model_->module()); }
  void set_training(bool on) override {
    set_training_mode(model_->module(), on, cfg_.batchnorm == "frozen");
  }

  IterationLoss next_loss(double teacher_forcing, double beta, at::Generator& coins,
                          at::Generator& noise) override {
    auto [frames, labels] = next_batch();
    frames = frames.to(device_, /*non_blocking=*/true);
    if (cfg_.colour_augment) frames = permute_colours(frames, coins);  // on the device
    labels = labels.to(device_, /*non_blocking=*/true);
    at::Tensor forced = at::rand({frames.size(1)}, coins) < teacher_forcing;
    PoseLoss l = pose_loss(*model_, frames, labels, forced, beta, noise);
    return {l.loss, l.mse, l.kld};
  }

  // The sampler's next batch, the one after it already loading on another thread: PNG decoding
  // overlaps the iteration instead of stalling the GPU between iterations. The clip stream is
  // the sampler's, in the same order, whenever it is loaded.
  std::pair<at::Tensor, at::Tensor> next_batch() {
    auto load = [this] {
      auto batch = sampler_->next();
      if (pin_) batch = {batch.first.pin_memory(), batch.second.pin_memory()};
      return batch;
    };
    if (!ahead_.valid()) ahead_ = std::async(std::launch::async, load);
    auto batch = ahead_.get();
    ahead_ = std::async(std::launch::async, load);
    return batch;
  }

  EpochValidation validate() override {
    last_ = rollout_pose(*model_, val_clip_, rollout_);
    EpochValidation v;
    v.psnr = last_->psnr_mean;
    v.baseline_psnr = last_->copy_first_psnr_mean;
    v.summary = fmt::format("rollout PSNR {:.2f} dB over {} frames (copy-first {:.2f})", v.psnr,
                            val_frames_, v.baseline_psnr);
    return v;
  }

  void save(const fs::path& path, Checkpoint ckpt) override {
    ckpt.family = ModelFamily::kPose;
    ckpt.pose_config = model_->config();
    save_checkpoint(path, ckpt, *model_);
  }

  void write_pictures(const fs::path& metrics_csv) override {
    if (!last_) return;
    // Separately: the rollout report needs no gnuplot, so a machine without it still gets it.
    try {
      plot_training_curves(metrics_csv, metrics_csv.parent_path() / "plots",
                           last_->copy_first_psnr_mean);
    } catch (const std::exception& e) {
      spdlog::warn("training curves not drawn (gnuplot): {}", e.what());
    }
    try {
      write_pose_rollout_report(metrics_csv.parent_path() / "samples", *last_, val_clip_.labels);
    } catch (const std::exception& e) {
      spdlog::warn("rollout report not written: {}", e.what());
    }
  }

 private:
  TrainConfig cfg_;
  c10::Device device_{c10::kCPU};
  std::optional<PoseModel> model_;
  std::optional<PoseClipSampler> sampler_;
  // The next batch, loading while the current one trains (declared after sampler_, which it
  // reads, so that it is waited for first).
  std::future<std::pair<at::Tensor, at::Tensor>> ahead_;
  bool pin_ = false;  // page-locked batches, so that the copies to the GPU run asynchronously
  PoseClip val_clip_;
  int val_frames_ = 0;
  PoseRolloutOptions rollout_;
  std::optional<PoseRollout> last_;
};

}  // namespace

std::unique_ptr<TrainingFamily> make_pose_family() { return std::make_unique<PoseFamily>(); }

}  // namespace foresight

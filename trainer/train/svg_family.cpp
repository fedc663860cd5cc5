// The SVG family in the training loop: BAIR-layout sequences through the batch loader, the SVG
// objective, and validation by the evaluator (the edge's code path) against copy-last.
#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "common/dataset/batch_loader.hpp"
#include "common/dataset/sequence_reader.hpp"
#include "trainer/distributed/dist_group.hpp"
#include "trainer/eval/evaluator.hpp"
#include "trainer/report/plots.hpp"
#include "trainer/report/prediction_pictures.hpp"
#include "trainer/train/batchnorm_mode.hpp"
#include "trainer/train/condition_stats.hpp"
#include "trainer/train/svg_objective.hpp"
#include "trainer/train/training_family.hpp"

namespace foresight {
namespace fs = std::filesystem;
namespace {

std::vector<fs::path> first_n(std::vector<fs::path> v, int n) {
  if (n > 0 && static_cast<int>(v.size()) > n) v.resize(n);
  return v;
}

class SvgFamily final : public TrainingFamily {
 public:
  Checkpoint load(const fs::path& checkpoint) override {
    auto [ckpt, model] = load_checkpoint(checkpoint);
    model_.emplace(std::move(model));
    return ckpt;
  }

  void start(const TrainConfig& cfg, c10::Device device, int64_t iteration,
             const DataShard& shard) override {
    cfg_ = cfg;
    device_ = device;
    shard_ = shard;
    if (!model_) {
      SvgConfig model_config = cfg.model_config();
      if (cfg.normalize_conditions) {
        const ConditionStats stats = condition_statistics(list_sequences(cfg.data, "train"));
        model_config.cond_mean = stats.mean;
        model_config.cond_std = stats.std;
        spdlog::info("conditions standardised with the train split's mean {} and std {}",
                     nlohmann::json(stats.mean).dump(), nlohmann::json(stats.std).dump());
      }
      model_.emplace(SvgModel::create(model_config));
    }
    model_->to(device);

    LoaderOptions train_opts;
    train_opts.batch_size = cfg.batch_size / shard.world;  // the trainer checked it divides
    train_opts.rank = shard.rank;
    train_opts.world = shard.world;
    train_opts.seq_len = cfg.n_past + cfg.n_future;
    train_opts.shuffle = true;
    train_opts.seed = cfg.seed;
    train_opts.start_batch = iteration;  // a resumed run continues the same batch stream
    train_opts.workers = cfg.workers;
    train_opts.skip_bad = cfg.skip_bad;
    train_opts.pin_memory = device.is_cuda();
    train_.emplace(list_sequences(cfg.data, "train"), train_opts);

    LoaderOptions val_opts = train_opts;
    val_opts.shuffle = false;
    val_opts.drop_last = false;
    val_opts.seq_len = cfg.n_eval;
    val_opts.batch_size = std::max(cfg.batch_size, 16);
    val_opts.rank = 0;
    val_opts.world = 1;
    // Validation: each rank evaluates a contiguous part of the split (rank 0 the first, whose
    // examples make the pictures); validate() reduces the results.
    const std::vector<fs::path> val =
        rank_part(first_n(list_sequences(cfg.data, "validate"), cfg.val_sequences), shard);
    if (!val.empty()) val_.emplace(val, val_opts);
  }

  std::string describe() const override { return "SVG"; }
  std::vector<at::Tensor> parameters() override { return model_->parameters(); }
  std::vector<at::Tensor> buffers() override { return module_buffers(model_->module()); }
  void set_training(bool on) override {
    set_training_mode(model_->module(), on, cfg_.batchnorm == "frozen");
  }

  IterationLoss next_loss(double teacher_forcing, double beta, at::Generator& coins,
                          at::Generator& noise) override {
    auto batch = train_->next();
    if (!batch) batch = train_->next();  // the data's epoch ended: start the next one
    if (!batch) throw std::runtime_error("the train split yields no full batch");
    at::Tensor x = batch->frames.to(device_, /*non_blocking=*/true);
    at::Tensor c = batch->conditions.to(device_, /*non_blocking=*/true);
    // The coins and the noise are drawn for the whole global batch on every rank (the streams
    // stay in step) and each rank keeps its rows: any rank count trains on the same draws.
    const int64_t b = x.size(1);
    BatchShare share;
    if (shard_.world > 1) share = {shard_.rank * b, cfg_.batch_size};
    at::Tensor forced =
        at::rand({cfg_.batch_size}, coins).narrow(0, share.offset, b) < teacher_forcing;
    SvgLoss l = svg_loss(*model_, x, c, forced, beta, noise, cfg_.free_bits, share);
    return {l.loss, l.mse, l.kld};
  }

  EpochValidation validate() override {
    EvalOptions eval_opts;
    eval_opts.n_past = cfg_.n_past;
    eval_opts.n_eval = cfg_.n_eval;
    eval_opts.seed = cfg_.seed;  // the same noise every epoch: curves compare models, not draws
    EvalResult r;
    if (val_) r = evaluate(*model_, *val_, eval_opts);
    if (shard_.world > 1) reduce_over_ranks(r);
    last_ = std::move(r);
    EpochValidation v;
    v.psnr = last_->mean_psnr();
    v.ssim = last_->mean_ssim();
    v.baseline_psnr = last_->copy_psnr();
    v.summary = fmt::format("val PSNR {:.2f} dB (copy-last {:.2f}) SSIM {:.3f}", v.psnr,
                            v.baseline_psnr, v.ssim);
    return v;
  }

  void save(const fs::path& path, Checkpoint ckpt) override {
    ckpt.family = ModelFamily::kSvg;
    ckpt.model_config = model_->config();
    save_checkpoint(path, ckpt, *model_);  // copies to the CPU; the model stays on its device
  }

  void write_pictures(const fs::path& metrics_csv) override {
    if (!last_) return;
    // Separately: the samples need no gnuplot, so a machine without it still gets them.
    try {
      plot_training_curves(metrics_csv, metrics_csv.parent_path() / "plots", last_->copy_psnr());
    } catch (const std::exception& e) {
      spdlog::warn("training curves not drawn (gnuplot): {}", e.what());
    }
    try {
      write_prediction_pictures(metrics_csv.parent_path() / "samples", "validation", *last_,
                                static_cast<int>(last_->example_truth.size(0)) -
                                    static_cast<int>(last_->psnr_mean.size()));
    } catch (const std::exception& e) {
      spdlog::warn("sample pictures not written: {}", e.what());
    }
  }

 private:
  TrainConfig cfg_;
  c10::Device device_{c10::kCPU};
  std::optional<SvgModel> model_;
  std::optional<BatchLoader> train_, val_;
  std::optional<EvalResult> last_;
  DataShard shard_;

  // Rank shard.rank's contiguous part of `all` (the first parts one longer when it does not
  // divide): empty for the last ranks when there are fewer sequences than ranks.
  static std::vector<fs::path> rank_part(const std::vector<fs::path>& all, const DataShard& shard) {
    const auto n = static_cast<int64_t>(all.size());
    const int64_t base = n / shard.world, extra = n % shard.world;
    const int64_t begin = shard.rank * base + std::min<int64_t>(shard.rank, extra);
    const int64_t count = base + (shard.rank < extra ? 1 : 0);
    return {all.begin() + begin, all.begin() + begin + count};
  }

  // The per-step means of every rank's part, weighted by its sequence count.
  void reduce_over_ranks(EvalResult& r) const {
    const int64_t steps = cfg_.n_eval - cfg_.n_past;
    std::vector<std::vector<double>*> fields{&r.psnr_mean, &r.psnr_best,      &r.ssim_mean,
                                             &r.ssim_best, &r.copy_last_psnr, &r.copy_last_ssim};
    at::Tensor sums = at::zeros({1 + steps * static_cast<int64_t>(fields.size())}, at::kDouble);
    auto* p = sums.data_ptr<double>();
    p[0] = static_cast<double>(r.sequences);
    for (size_t f = 0; f < fields.size(); ++f) {
      for (int64_t k = 0; k < steps && k < static_cast<int64_t>(fields[f]->size()); ++k) {
        p[1 + f * steps + k] = (*fields[f])[k] * static_cast<double>(r.sequences);
      }
    }
    shard_.group->all_reduce_sum(sums, "the validation results");
    p = sums.data_ptr<double>();
    r.sequences = static_cast<int64_t>(p[0]);
    for (size_t f = 0; f < fields.size(); ++f) {
      fields[f]->assign(steps, 0.0);
      for (int64_t k = 0; k < steps; ++k) (*fields[f])[k] = p[1 + f * steps + k] / p[0];
    }
  }
};

}  // namespace

std::unique_ptr<TrainingFamily> make_svg_family() { return std::make_unique<SvgFamily>(); }

}  // namespace foresight

// The SVG family in the training loop: BAIR-layout sequences through the batch loader, the SVG
// objective, and validation by the evaluator (the edge's code path) against copy-last.
#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "common/dataset/batch_loader.hpp"
#include "common/dataset/sequence_reader.hpp"
#include "trainer/eval/evaluator.hpp"
#include "trainer/report/plots.hpp"
#include "trainer/report/prediction_pictures.hpp"
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

  void start(const TrainConfig& cfg, c10::Device device, int64_t iteration) override {
    cfg_ = cfg;
    device_ = device;
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
    train_opts.batch_size = cfg.batch_size;
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
    val_.emplace(first_n(list_sequences(cfg.data, "validate"), cfg.val_sequences), val_opts);
  }

  std::string describe() const override { return "SVG"; }
  std::vector<at::Tensor> parameters() override { return model_->parameters(); }
  void set_training(bool on) override { model_->train(on); }

  IterationLoss next_loss(double teacher_forcing, double beta, at::Generator& coins,
                          at::Generator& noise) override {
    auto batch = train_->next();
    if (!batch) batch = train_->next();  // the data's epoch ended: start the next one
    if (!batch) throw std::runtime_error("the train split yields no full batch");
    at::Tensor x = batch->frames.to(device_, /*non_blocking=*/true);
    at::Tensor c = batch->conditions.to(device_, /*non_blocking=*/true);
    at::Tensor forced = at::rand({x.size(1)}, coins) < teacher_forcing;
    SvgLoss l = svg_loss(*model_, x, c, forced, beta, noise, cfg_.free_bits);
    return {l.loss, l.mse, l.kld};
  }

  EpochValidation validate() override {
    EvalOptions eval_opts;
    eval_opts.n_past = cfg_.n_past;
    eval_opts.n_eval = cfg_.n_eval;
    eval_opts.seed = cfg_.seed;  // the same noise every epoch: curves compare models, not draws
    last_ = evaluate(*model_, *val_, eval_opts);
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
};

}  // namespace

std::unique_ptr<TrainingFamily> make_svg_family() { return std::make_unique<SvgFamily>(); }

}  // namespace foresight

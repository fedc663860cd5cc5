#include "trainer/train/trainer.hpp"

#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/types.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adam.h>
#include <torch/serialize.h>
#include <torch/version.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "common/dataset/batch_loader.hpp"
#include "common/dataset/sequence_reader.hpp"
#include "common/util/atomic_file.hpp"
#include "common/util/logging.hpp"
#include "common/util/progress_bar.hpp"
#include "trainer/checkpoint/checkpoint.hpp"
#include "trainer/eval/evaluator.hpp"
#include "trainer/schedules/schedules.hpp"
#include "trainer/train/condition_stats.hpp"
#include "trainer/train/epoch_report.hpp"
#include "trainer/train/optimizer_state.hpp"
#include "trainer/train/pose_trainer.hpp"
#include "trainer/train/svg_objective.hpp"

namespace foresight {
namespace fs = std::filesystem;

c10::Device select_device(const std::string& name) {
  if (name == "cpu") return c10::Device(c10::kCPU);
  const bool cuda = torch::cuda::is_available();
  if (name == "cuda" && !cuda) {
    throw std::runtime_error("--device cuda: no CUDA device (this LibTorch build or machine has none)");
  }
  return cuda ? c10::Device(c10::kCUDA) : c10::Device(c10::kCPU);
}

int set_threads(int threads) {
  const int n = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(n);  // Debian's LibTorch starts with 1 thread
  return n;
}

namespace {

std::vector<fs::path> first_n(std::vector<fs::path> v, int n) {
  if (n > 0 && static_cast<int>(v.size()) > n) v.resize(n);
  return v;
}

}  // namespace

TrainSummary train(const TrainConfig& requested, const std::optional<fs::path>& resume_dir) {
  const bool pose = resume_dir ? checkpoint_family(*resume_dir / kLastCheckpoint) == "pose"
                               : requested.model == "pose";
  if (pose) return train_pose(requested, resume_dir);
  TrainConfig cfg = requested;
  std::optional<Checkpoint> resumed;
  std::optional<SvgModel> model;
  if (resume_dir) {
    fs::path ckpt_path = *resume_dir / kLastCheckpoint;
    auto [ckpt, m] = load_checkpoint(ckpt_path);
    const int epochs = requested.epochs;
    cfg = ckpt.config;
    if (epochs > cfg.epochs) cfg.epochs = epochs;  // extending a finished run
    cfg.out = resume_dir->string();
    spdlog::info("resuming {} at epoch {} (iteration {})", ckpt_path.string(), ckpt.epoch,
                 ckpt.iteration);
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
  spdlog::info("device {} | {} threads | LibTorch {}", device.str(), threads, TORCH_VERSION);

  if (!model) {
    SvgConfig model_config = cfg.model_config();
    if (cfg.normalize_conditions) {
      const ConditionStats stats = condition_statistics(list_sequences(cfg.data, "train"));
      model_config.cond_mean = stats.mean;
      model_config.cond_std = stats.std;
      spdlog::info("conditions standardised with the train split's mean {} and std {}",
                   nlohmann::json(stats.mean).dump(), nlohmann::json(stats.std).dump());
    }
    at::manual_seed(cfg.seed);
    model.emplace(SvgModel::create(model_config));
  } else {
    at::manual_seed(cfg.seed + resumed->epoch);
  }
  if (resumed && resumed->rng_state.numel() > 0) {
    at::Generator default_gen = at::detail::getDefaultCPUGenerator();
    default_gen.set_state(resumed->rng_state);
  }
  model->to(device);
  model->train(true);

  LoaderOptions train_opts;
  train_opts.batch_size = cfg.batch_size;
  train_opts.seq_len = cfg.n_past + cfg.n_future;
  train_opts.shuffle = true;
  train_opts.seed = cfg.seed + (resumed ? resumed->epoch : 0);
  train_opts.workers = cfg.workers;
  train_opts.skip_bad = cfg.skip_bad;
  train_opts.pin_memory = device.is_cuda();
  BatchLoader train_loader(list_sequences(cfg.data, "train"), train_opts);

  LoaderOptions val_opts = train_opts;
  val_opts.shuffle = false;
  val_opts.drop_last = false;
  val_opts.seq_len = cfg.n_eval;
  val_opts.batch_size = std::max(cfg.batch_size, 16);
  BatchLoader val_loader(first_n(list_sequences(cfg.data, "validate"), cfg.val_sequences), val_opts);

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
  TeacherForcingSchedule tf{cfg.tfr, cfg.tfr_start_decay_epoch, cfg.tfr_decay_step,
                            cfg.tfr_lower_bound};
  at::Generator gen = at::detail::getDefaultCPUGenerator();
  TrainSummary summary;
  summary.run_dir = run_dir;
  EpochReporter reporter(run_dir, start_epoch);

  for (int epoch = start_epoch; epoch < cfg.epochs; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    const double tfr = tf.ratio(epoch);
    double sum_loss = 0, sum_mse = 0, sum_kld = 0, beta_now = 0, lr_now = cfg.lr;
    model->train(true);
    ProgressBar bar(cfg.iters_per_epoch,
                    "epoch " + std::to_string(epoch + 1) + "/" + std::to_string(cfg.epochs));
    for (int it = 0; it < cfg.iters_per_epoch; ++it, ++iteration) {
      auto batch = train_loader.next();
      if (!batch) batch = train_loader.next();  // epoch of the data ended: start the next one
      if (!batch) throw std::runtime_error("the train split yields no full batch");
      at::Tensor x = batch->frames.to(device, /*non_blocking=*/true);
      at::Tensor c = batch->conditions.to(device, /*non_blocking=*/true);
      beta_now = cfg.beta * kl.weight(iteration, total_iters);
      lr_now = cfg.lr_schedule == "cosine" ? cosine_lr(cfg.lr, cfg.lr_min, iteration, total_iters)
                                           : cfg.lr;
      for (auto& group : optimizer.param_groups()) {
        static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr_now);
      }
      at::Tensor forced = at::rand({x.size(1)}, gen) < tfr;
      SvgLoss l = svg_loss(*model, x, c, forced, beta_now, gen, cfg.free_bits);
      const double loss = l.loss.item<double>();
      if (!std::isfinite(loss)) {
        throw TrainingDiverged("non-finite loss (" + std::to_string(loss) + ") at epoch " +
                               std::to_string(epoch + 1) + ", iteration " +
                               std::to_string(iteration) + "; the last good checkpoint is " +
                               (run_dir / kLastCheckpoint).string() +
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
      std::snprintf(status, sizeof status, "loss %.4f mse %.4f kl %.3f beta %.2e tfr %.2f lr %.2e",
                    sum_loss / (it + 1), sum_mse / (it + 1), sum_kld / (it + 1), beta_now, tfr,
                    lr_now);
      bar.tick(1, status);
    }
    bar.finish();

    EvalOptions eval_opts;
    eval_opts.n_past = cfg.n_past;
    eval_opts.n_eval = cfg.n_eval;
    eval_opts.seed = cfg.seed;  // the same noise every epoch: curves compare models, not draws
    EvalResult val = evaluate(*model, val_loader, eval_opts);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    Checkpoint ckpt;
    ckpt.config = cfg;
    ckpt.model_config = model->config();
    ckpt.epoch = epoch + 1;
    ckpt.iteration = iteration;
    ckpt.val_psnr = val.mean_psnr();
    ckpt.best_val_psnr = std::max(best_psnr, val.mean_psnr());
    ckpt.optimizer_state = optimizer_bytes(optimizer);
    ckpt.rng_state = at::detail::getDefaultCPUGenerator().get_state();
    // The model goes to the CPU only inside save_checkpoint's copies; it stays on `device`.
    save_checkpoint(run_dir / kLastCheckpoint, ckpt, *model);
    const bool best = val.mean_psnr() > best_psnr;
    if (best) {
      best_psnr = val.mean_psnr();
      save_checkpoint(run_dir / kBestCheckpoint, ckpt, *model);
    }
    const int n = cfg.iters_per_epoch;
    EpochRow row{epoch + 1, sum_loss / n, sum_mse / n, sum_kld / n, beta_now, tfr, lr_now,
                 val.mean_psnr(), val.mean_ssim(), seconds};
    reporter.report(row, val);
    spdlog::info("epoch {}/{}: loss {:.4f} val PSNR {:.2f} dB (copy-last {:.2f}) SSIM {:.3f}{} [{}]",
                 epoch + 1, cfg.epochs, row.loss, val.mean_psnr(), val.copy_psnr(), val.mean_ssim(),
                 best ? " *best*" : "", format_duration(seconds));
    summary.copy_last_psnr = val.copy_psnr();
    summary.epochs = epoch + 1;
  }
  summary.best_val_psnr = best_psnr;
  return summary;
}

}  // namespace foresight

#include "trainer/train/trainer.hpp"

#include <ATen/Parallel.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/cuda.h>
#include <torch/optim/adam.h>
#include <torch/serialize.h>
#include <torch/version.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "common/util/atomic_file.hpp"
#include "common/util/host.hpp"
#include "common/util/logging.hpp"
#include "common/util/progress_bar.hpp"
#include "common/util/torch_compat.hpp"
#include "trainer/checkpoint/checkpoint.hpp"
#include "trainer/distributed/data_parallel.hpp"
#include "trainer/report/metrics_log.hpp"
#include "trainer/schedules/schedules.hpp"
#include "trainer/train/grad_clip.hpp"
#include "trainer/train/optimizer_state.hpp"
#include "trainer/train/training_family.hpp"
#include "trainer/train/weight_average.hpp"

namespace foresight {
namespace fs = std::filesystem;

// How often a GPU run reads its losses back to the host (see the training loop).
constexpr int kGpuReadEvery = 20;

c10::Device select_device(DeviceChoice choice) {
  if (choice == DeviceChoice::kCpu) return c10::Device(c10::kCPU);
  const bool cuda = torch::cuda::is_available();
  if (choice == DeviceChoice::kCuda && !cuda) {
    throw ConfigError(std::string("--device cuda: ") +
                      (torch::cuda::device_count() == 0 && at::hasCUDA()
                           ? "no GPU is visible to this LibTorch"
                           : "this LibTorch was built without CUDA (LibTorch " TORCH_VERSION ")"));
  }
  if (choice == DeviceChoice::kAuto) {
    spdlog::info("--device auto: {}", cuda ? "CUDA is available, training on the GPU"
                                           : "no CUDA in this LibTorch or machine, using the CPU");
  }
  return cuda ? c10::Device(c10::kCUDA) : c10::Device(c10::kCPU);
}

int set_threads(int threads, int processes_per_machine) {
  const int n =
      threads > 0 ? threads : std::max(1, thread_count(0) / std::max(1, processes_per_machine));
  at::set_num_threads(n);  // Debian's LibTorch starts with 1 thread
  return n;
}

namespace {

// A resumed --ema run: its checkpoint's weights are the average; Adam continues from these.
void restore_training_weights(const std::vector<at::Tensor>& weights,
                              const std::vector<at::Tensor>& saved, const fs::path& checkpoint) {
  if (saved.size() != weights.size()) {
    throw CheckpointError(checkpoint.string() + ": holds " + std::to_string(saved.size()) +
                          " training weights, the model has " + std::to_string(weights.size()) +
                          " parameters and buffers (was it written with --ema?)");
  }
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < saved.size(); ++i) {
    if (saved[i].sizes() != weights[i].sizes()) {
      throw CheckpointError(checkpoint.string() + ": training weight " + std::to_string(i) +
                            " has shape " + c10::str(saved[i].sizes()) + ", the model expects " +
                            c10::str(weights[i].sizes()));
    }
    weights[i].detach().copy_(saved[i]);
  }
}

}  // namespace

TrainSummary train(const TrainConfig& requested, const std::optional<fs::path>& resume_dir) {
  const bool pose = (resume_dir ? checkpoint_family(*resume_dir / kLastCheckpoint)
                                : requested.model) == ModelFamily::kPose;
  std::unique_ptr<TrainingFamily> family = pose ? make_pose_family() : make_svg_family();
  // The scripted methods run as they are written, without the executor's profiling runs and the
  // optimised graphs that follow them: those switch after a few calls, so a resumed process
  // would compute its first steps differently from the run it continues (last bits, which Adam
  // amplifies). The price: 3-6% of a paper-size iteration, nothing measurable on the tiny
  // preset (docs/performance.md).
  torch::jit::GraphOptimizerEnabledGuard plain_graphs(false);
  TrainConfig cfg = requested;
  std::optional<Checkpoint> resumed;
  if (resume_dir) {
    const fs::path ckpt_path = *resume_dir / kLastCheckpoint;
    resumed = family->load(ckpt_path);
    cfg = resumed->config;
    // Where a run trains is the machine's business, not the run's: a run saved on a GPU
    // workstation resumes on a laptop and the other way round, with this command's settings.
    cfg.device = requested.device;
    cfg.threads = requested.threads;
    cfg.workers = requested.workers;
    cfg.dist_backend = requested.dist_backend;
    cfg.dist_timeout = requested.dist_timeout;
    if (requested.epochs > cfg.epochs) cfg.epochs = requested.epochs;  // extending a finished run
    cfg.out = resume_dir->string();
    spdlog::info("resuming {} at epoch {} (iteration {})", ckpt_path.string(), resumed->epoch,
                 resumed->iteration);
  }
  cfg.validate();
  // The ranks of a data-parallel run (torchrun, srun) join before anything is written.
  DataParallel dp(cfg, select_device(cfg.device));
  const c10::Device device = dp.device();
  const bool root = dp.root();  // rank 0 alone writes the run directory
  const fs::path run_dir = cfg.out;
  if (root) {
    fs::create_directories(run_dir);
    if (const int stale = remove_stale_temporaries(run_dir)) {
      spdlog::info("removed {} temporary file(s) a killed run left in {}", stale, run_dir.string());
    }
  }
  const nlohmann::json cfg_json = cfg;
  if (root) {
    spdlog::info("config: {}", cfg_json.dump());
    write_file_atomically(run_dir / "config.json", cfg_json.dump(2) + "\n");
  }

  const int threads = set_threads(cfg.threads, dp.processes_per_machine());
  spdlog::info("{} | device {} | {} threads | {} | LibTorch {} | {}", family->describe(),
               device.str(), threads, name_of(cfg.precision), TORCH_VERSION, dp.describe());

  // The weights of a new run come from the seed; a resumed run continues its RNG stream.
  const int start_epoch = resumed ? resumed->epoch : 0;
  at::manual_seed(cfg.seed + start_epoch);
  if (resumed && resumed->rng_state.numel() > 0) {
    at::Generator default_gen = at::detail::getDefaultCPUGenerator();
    default_gen.set_state(resumed->rng_state);
  }
  if (device.is_cuda()) {
    // The shapes do not change from one iteration to the next: let cuDNN pick its fastest
    // algorithms once.
    at::globalContext().setBenchmarkCuDNN(true);
  }
  int64_t iteration = resumed ? resumed->iteration : 0;
  family->start(cfg, device, iteration, dp.shard());
  family->set_training(true);

  const std::vector<at::Tensor> parameters = family->parameters();
  dp.start(parameters, family->buffers());  // rank 0's weights everywhere
  torch::optim::Adam optimizer(parameters,
                               torch::optim::AdamOptions(cfg.lr).betas({cfg.beta1, 0.999}));
  double best_psnr = -1e30;
  if (resumed) {
    restore_optimizer(optimizer, resumed->optimizer_state, *resume_dir / kLastCheckpoint, device);
    best_psnr = resumed->best_val_psnr;
  }
  // The model's parameters and buffers, in the order of Checkpoint::training_weights.
  std::vector<at::Tensor> weights = parameters;
  for (const at::Tensor& b : family->buffers()) weights.push_back(b);
  std::optional<WeightAverage> average;
  if (cfg.ema > 0) {
    average.emplace(weights, cfg.ema);  // a resumed run: the average it saved
    if (resumed)
      restore_training_weights(weights, resumed->training_weights, *resume_dir / kLastCheckpoint);
  }
  const int64_t total_iters = static_cast<int64_t>(cfg.epochs) * cfg.iters_per_epoch;
  KlSchedule kl{cfg.kl_anneal, cfg.kl_cycles, cfg.kl_ratio};
  TeacherForcingSchedule tf{cfg.tfr, cfg.tfr_start_decay_epoch, cfg.tfr_decay_step,
                            cfg.tfr_lower_bound};
  at::Generator coins = at::detail::getDefaultCPUGenerator();
  // On the CPU one stream serves both (a resumed run continues it bit for bit); on a GPU the noise
  // comes from the device's default generator, seeded by manual_seed above.
  at::Generator noise = device.is_cuda() ? at::globalContext().defaultGenerator(device) : coins;
  // A GPU run reads the losses back every kGpuReadEvery iterations only: each read waits for the
  // device to finish. The non-finite check runs at the reads (the checkpoint on disk is the last
  // good one either way: it is written at epoch ends).
  const int read_every = device.is_cuda() ? kGpuReadEvery : 1;
  std::optional<MetricsLog> log;
  if (root) log.emplace(run_dir, start_epoch + 1);
  TrainSummary summary;
  summary.run_dir = run_dir;

  for (int epoch = start_epoch; epoch < cfg.epochs; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    const double tfr = tf.ratio(epoch);
    double sum_loss = 0, sum_mse = 0, sum_kld = 0, beta_now = 0, lr_now = cfg.lr;
    at::Tensor sums;  // loss, mse, kld since the last read, on the device
    int unread = 0;
    family->set_training(true);
    std::optional<ProgressBar> bar;
    if (root) {
      bar.emplace(cfg.iters_per_epoch,
                  "epoch " + std::to_string(epoch + 1) + "/" + std::to_string(cfg.epochs));
    }
    for (int it = 0; it < cfg.iters_per_epoch; ++it, ++iteration) {
      beta_now = cfg.beta * kl.weight(iteration, total_iters);
      lr_now = (cfg.lr_schedule == LrSchedule::kCosine
                    ? cosine_lr(cfg.lr, cfg.lr_min, iteration, total_iters)
                    : cfg.lr) *
               warmup_factor(iteration, cfg.lr_warmup);
      for (auto& group : optimizer.param_groups()) {
        static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr_now);
      }
      IterationLoss l = [&] {
        std::optional<AutocastGuard> bf16;
        if (cfg.precision == Precision::kBf16) bf16.emplace(device.type(), at::kBFloat16);
        return family->next_loss(tfr, beta_now, coins, noise);
      }();
      const at::Tensor step_sums = at::stack({l.loss, l.mse, l.kld}).detach();
      sums = unread == 0 ? step_sums : sums + step_sums;
      ++unread;
      if (unread == read_every || it + 1 == cfg.iters_per_epoch) {
        // Data parallel: the mean over the ranks, so that every rank sees the same loss (and
        // stops together on a non-finite one).
        const at::Tensor host = dp.mean(sums.to(at::kDouble)).to(at::kCPU);
        const double loss = host[0].item<double>();
        if (!std::isfinite(loss)) {
          throw TrainingDiverged("non-finite loss (" + std::to_string(loss) + ") at epoch " +
                                 std::to_string(epoch + 1) + ", iteration " +
                                 std::to_string(iteration) + "; the last good checkpoint is " +
                                 (run_dir / kLastCheckpoint).string() +
                                 " (try a lower --lr or --grad-clip)");
        }
        sum_loss += loss;
        sum_mse += host[1].item<double>();
        sum_kld += host[2].item<double>();
        char status[160];
        std::snprintf(status, sizeof status,
                      "loss %.5f mse %.5f kl %.4f beta %.2e tfr %.2f lr %.2e", sum_loss / (it + 1),
                      sum_mse / (it + 1), sum_kld / (it + 1), beta_now, tfr, lr_now);
        if (bar) bar->tick(unread, status);
        unread = 0;
      }
      optimizer.zero_grad();
      l.loss.backward();
      dp.average_gradients();
      if (cfg.grad_clip > 0) clip_grad_norm(parameters, cfg.grad_clip);
      optimizer.step();
      if (average) average->update(iteration);
    }
    if (bar) bar->finish();

    dp.sync_buffers();  // BatchNorm running statistics: rank 0's, as DDP's broadcast_buffers
    // With --ema, validation and the checkpoints' weights are the average's; the live weights go
    // into rank 0's checkpoint beside them for a resumed run.
    std::vector<at::Tensor> training_weights;
    if (average) {
      if (root) {
        for (const at::Tensor& w : weights) training_weights.push_back(w.detach().cpu().clone());
      }
      average->swap();
      dp.sync_buffers();
    }
    const EpochValidation val = family->validate();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const bool best = val.psnr > best_psnr;
    const int n = cfg.iters_per_epoch;
    if (root) {
      Checkpoint ckpt;
      ckpt.config = cfg;
      ckpt.epoch = epoch + 1;
      ckpt.iteration = iteration;
      ckpt.val_psnr = val.psnr;
      ckpt.best_val_psnr = std::max(best_psnr, val.psnr);
      ckpt.optimizer_state = optimizer_bytes(optimizer);
      ckpt.rng_state = at::detail::getDefaultCPUGenerator().get_state();
      ckpt.training_weights = training_weights;
      family->save(run_dir / kLastCheckpoint, ckpt);
      if (best) family->save(run_dir / kBestCheckpoint, ckpt);
      log->append({epoch + 1, sum_loss / n, sum_mse / n, sum_kld / n, beta_now, tfr, lr_now,
                   val.psnr, val.ssim, seconds});
      family->write_pictures(log->path());
      spdlog::info("epoch {}/{}: loss {:.5f} {}{} [{}]{}", epoch + 1, cfg.epochs, sum_loss / n,
                   val.summary, best ? " *best*" : "", format_duration(seconds),
                   dp.epoch_summary());
    } else {
      spdlog::info("epoch {}/{} done [{}]{}", epoch + 1, cfg.epochs, format_duration(seconds),
                   dp.epoch_summary());
    }
    if (average) average->swap();  // back to the live weights
    if (best) best_psnr = val.psnr;
    summary.copy_last_psnr = val.baseline_psnr;
    summary.epochs = epoch + 1;
  }
  dp.finish();  // every rank ends together, after rank 0's last checkpoint
  summary.best_val_psnr = best_psnr;
  return summary;
}

}  // namespace foresight

#include "trainer/distributed/data_parallel.hpp"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <c10/core/impl/VirtualGuardImpl.h>
#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>
#include <torch/cuda.h>

#include "common/util/logging.hpp"

namespace foresight {

DataParallel::DataParallel(const TrainConfig& cfg, c10::Device chosen)
    : env_(detect_dist_env()), device_(chosen) {
  if (!env_.distributed()) return;
  set_log_tag(fmt::format("[rank {}/{}]", env_.rank, env_.world_size));
  if (cfg.batch_size % env_.world_size != 0) {
    throw ConfigError("--batch-size " + std::to_string(cfg.batch_size) +
                      " does not split evenly across " + std::to_string(env_.world_size) +
                      " ranks (it is the global batch: use a multiple of the rank count)");
  }
  per_rank_batch_ = cfg.batch_size / env_.world_size;
  if (chosen.is_cuda()) {
    const auto count = static_cast<int>(torch::cuda::device_count());
    device_ = c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(env_.local_rank % count));
    c10::impl::VirtualGuardImpl(c10::kCUDA).setDevice(device_);  // NCCL's and the allocator's
  }
  GroupOptions options;
  options.backend = cfg.dist_backend;
  options.cuda = chosen.is_cuda();
  options.timeout = std::chrono::seconds(cfg.dist_timeout);
  spdlog::info("joining the data-parallel run: {}", env_.describe());
  group_ = std::make_unique<DistGroup>(env_, options);
  spdlog::info("joined: {} ranks, backend {}", group_->size(), group_->backend());
}

DataParallel::~DataParallel() = default;

std::string DataParallel::describe() const {
  if (!env_.distributed()) return "one process";
  return fmt::format("data parallel: {}, backend {}, global batch {} = {} x {}", env_.describe(),
                     group_->backend(), per_rank_batch_ * env_.world_size, env_.world_size,
                     per_rank_batch_);
}

void DataParallel::start(const std::vector<at::Tensor>& parameters,
                         const std::vector<at::Tensor>& buffers) {
  if (!group_) return;
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> data;
  for (const at::Tensor& p : parameters) data.push_back(p.detach());
  group_->broadcast(data, "the initial weights");
  buffers_ = buffers;
  sync_buffers();
  averager_ = std::make_unique<GradientAverager>(*group_, parameters);
  spdlog::info("gradients: {:.2f} MB per step in {} bucket(s)",
               static_cast<double>(averager_->bytes_per_step()) / 1e6, averager_->buckets());
}

at::Tensor DataParallel::mean(const at::Tensor& t) {
  if (!group_) return t;
  at::Tensor sum = t.clone();
  group_->all_reduce_sum(sum, "the losses");
  return sum.div_(env_.world_size);
}

void DataParallel::average_gradients() {
  if (!averager_) return;
  averager_->average();
  reduce_seconds_ += averager_->last_seconds();
  ++reduce_steps_;
}

void DataParallel::sync_buffers() {
  if (group_ && !buffers_.empty()) group_->broadcast(buffers_, "the BatchNorm statistics");
}

std::string DataParallel::epoch_summary() {
  if (!averager_ || reduce_steps_ == 0) return "";
  const std::string s =
      fmt::format(" | all-reduce {:.2f} ms/step, {:.2f} MB", 1e3 * reduce_seconds_ / reduce_steps_,
                  static_cast<double>(averager_->bytes_per_step()) / 1e6);
  reduce_seconds_ = 0;
  reduce_steps_ = 0;
  return s;
}

void DataParallel::finish() {
  if (group_) group_->barrier("the final barrier");
}

}  // namespace foresight

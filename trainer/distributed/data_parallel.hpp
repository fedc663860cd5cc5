// The training loop's view of data parallelism. When the launcher's environment (torchrun, srun;
// dist_env.hpp) makes this process one rank of several, it joins the process group, puts rank 0's
// weights everywhere, averages the gradients after each backward and the losses at each read,
// and tags the log lines with the rank; alone, every call does nothing.
#pragma once
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <memory>
#include <string>
#include <vector>

#include "trainer/config/train_config.hpp"
#include "trainer/distributed/dist_env.hpp"
#include "trainer/distributed/dist_group.hpp"
#include "trainer/distributed/gradient_averager.hpp"
#include "trainer/train/training_family.hpp"

namespace foresight {

class DataParallel {
 public:
  // Reads the environment and, with more than one rank, joins the group (cfg.dist_backend,
  // cfg.dist_timeout; NCCL is the default when `chosen`, the device select_device picked, is
  // CUDA). Throws ConfigError when cfg.batch_size does not split evenly across the ranks or the
  // environment is malformed, DistributedError when the group does not form.
  DataParallel(const TrainConfig& cfg, c10::Device chosen);
  ~DataParallel();

  bool root() const { return env_.rank == 0; }
  int world() const { return env_.world_size; }
  int processes_per_machine() const { return env_.local_world_size; }
  DataShard shard() const { return {env_.rank, env_.world_size, group_.get()}; }
  // The device of this rank: the chosen one, made cuda:<local rank> (modulo the GPU count) for a
  // CUDA run of several ranks.
  c10::Device device() const { return device_; }
  // "data parallel: rank 1 of 2 ..., gloo, global batch 8 = 2 x 4" or "one process".
  std::string describe() const;

  // Broadcasts rank 0's parameters and buffers; prepares the gradient all-reduce.
  void start(const std::vector<at::Tensor>& parameters, const std::vector<at::Tensor>& buffers);
  // The mean of `t` over the ranks (a new tensor; `t` itself alone).
  at::Tensor mean(const at::Tensor& t);
  void average_gradients();
  // Rank 0's buffers (BatchNorm running statistics) everywhere, before validation.
  void sync_buffers();
  // " | all-reduce 2.1 ms/step, 0.36 MB" over the steps since the last call ("" alone).
  std::string epoch_summary();
  // Waits for every rank (the end of the run).
  void finish();

 private:
  DistEnv env_;
  c10::Device device_;
  int per_rank_batch_ = 0;
  std::unique_ptr<DistGroup> group_;
  std::unique_ptr<GradientAverager> averager_;
  std::vector<at::Tensor> buffers_;
  double reduce_seconds_ = 0;
  int64_t reduce_steps_ = 0;
};

}  // namespace foresight

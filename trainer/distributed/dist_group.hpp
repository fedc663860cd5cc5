// The communication of one process in a data-parallel run: a torch.distributed (c10d) process
// group, Gloo or NCCL, joined by torchrun's store rules, behind calls that stay the same between
// LibTorch 1.13 (where ProcessGroupGloo is a ProcessGroup) and 2.x (where it is a Backend).
// A heartbeat through the store tells, when a collective fails, which rank was lost.
#pragma once
#include <ATen/core/Tensor.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "trainer/distributed/dist_env.hpp"

namespace foresight {

// A data-parallel run lost a peer: a rank died, hung past --dist-timeout, or became unreachable.
// The message names the rank(s) when the heartbeat can tell. `foresight` exits with code 5.
class DistributedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct GroupOptions {
  std::string backend = "auto";  // auto (NCCL for CUDA tensors when built with it, else Gloo)
  bool cuda = false;             // the tensors live on a CUDA device
  std::chrono::seconds timeout{600};
};

// False when this build has no c10d Gloo (the headers of libgloo-dev were missing at build time).
bool distributed_support();
// "gloo" or "gloo, nccl": what this build can use.
std::string available_backends();
// The backend `options` resolves to ("gloo" | "nccl"); throws ConfigError when it is unavailable.
std::string resolve_backend(const GroupOptions& options);

class DistGroup {
 public:
  // Connects to the store (a client under torchrun's prefix when its agent hosts the store, else
  // rank 0 hosts it), creates the backend (Gloo's network interfaces from GLOO_SOCKET_IFNAME, a
  // comma-separated list; otherwise the host name's address, as torch does) and starts the
  // heartbeat. Blocks until every rank has joined; throws DistributedError after the timeout, or
  // at once when this build has no distributed support.
  DistGroup(const DistEnv& env, const GroupOptions& options);
  ~DistGroup();
  DistGroup(const DistGroup&) = delete;
  DistGroup& operator=(const DistGroup&) = delete;

  int rank() const;
  int size() const;
  const std::string& backend() const;

  // Each tensor (dense, contiguous) takes rank `root`'s values, in place. `what` names the
  // operation in errors ("the initial weights").
  void broadcast(const std::vector<at::Tensor>& tensors, const std::string& what, int root = 0);
  // In place: the elementwise sum over the ranks.
  void all_reduce_sum(at::Tensor& tensor, const std::string& what);
  void barrier(const std::string& what);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace foresight

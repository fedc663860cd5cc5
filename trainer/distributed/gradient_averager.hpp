// Averages the gradients of a model over the ranks of a data-parallel run after backward(), the
// way DDP does without overlapping: parameters in buckets of ~25 MB, each bucket flattened into
// one buffer, all-reduced (sum), divided by the number of ranks and copied back.
#pragma once
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "trainer/distributed/dist_group.hpp"

namespace foresight {

class GradientAverager {
 public:
  // `parameters` in a fixed order, the same on every rank.
  GradientAverager(DistGroup& group, std::vector<at::Tensor> parameters,
                   int64_t bucket_bytes = int64_t{25} << 20);

  // Replaces every defined gradient by its mean over the ranks. A parameter without a gradient on
  // this rank contributes zeros and keeps none. Throws DistributedError if a peer is lost.
  void average();

  // Bytes each rank sends into the all-reduce per step (the gradients' size).
  int64_t bytes_per_step() const { return bytes_; }
  int buckets() const { return static_cast<int>(buckets_.size()); }
  // Wall time of the last average() (flatten, all-reduce, copy back), seconds.
  double last_seconds() const { return last_seconds_; }

 private:
  DistGroup& group_;
  std::vector<at::Tensor> parameters_;
  std::vector<std::vector<size_t>> buckets_;  // parameter indices
  int64_t bytes_ = 0;
  double last_seconds_ = 0;
};

}  // namespace foresight

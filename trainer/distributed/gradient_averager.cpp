#include "trainer/distributed/gradient_averager.hpp"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <chrono>

namespace foresight {

GradientAverager::GradientAverager(DistGroup& group, std::vector<at::Tensor> parameters,
                                   int64_t bucket_bytes)
    : group_(group), parameters_(std::move(parameters)) {
  int64_t in_bucket = 0;
  for (size_t i = 0; i < parameters_.size(); ++i) {
    const at::Tensor& p = parameters_[i];
    const int64_t bytes = p.numel() * static_cast<int64_t>(p.element_size());
    const bool same_kind = !buckets_.empty() && !buckets_.back().empty() &&
                           parameters_[buckets_.back().front()].scalar_type() == p.scalar_type() &&
                           parameters_[buckets_.back().front()].device() == p.device();
    if (buckets_.empty() || !same_kind || in_bucket + bytes > bucket_bytes) {
      buckets_.emplace_back();
      in_bucket = 0;
    }
    buckets_.back().push_back(i);
    in_bucket += bytes;
    bytes_ += bytes;
  }
}

void GradientAverager::average() {
  const auto t0 = std::chrono::steady_clock::now();
  at::NoGradGuard no_grad;
  const double world = group_.size();
  for (const auto& bucket : buckets_) {
    std::vector<at::Tensor> flat;
    for (size_t i : bucket) {
      const at::Tensor& p = parameters_[i];
      const at::Tensor& g = p.grad();
      flat.push_back(g.defined() ? g.reshape(-1) : at::zeros({p.numel()}, p.options()));
    }
    at::Tensor buffer = at::cat(flat);
    group_.all_reduce_sum(buffer, "the gradients");
    buffer.div_(world);
    int64_t offset = 0;
    for (size_t i : bucket) {
      at::Tensor& p = parameters_[i];
      const int64_t n = p.numel();
      if (p.grad().defined()) p.mutable_grad().copy_(buffer.narrow(0, offset, n).view_as(p));
      offset += n;
    }
  }
  last_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace foresight

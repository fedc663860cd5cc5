#include "trainer/train/grad_clip.hpp"

#include <ATen/ATen.h>

namespace foresight {

at::Tensor clip_grad_norm(const std::vector<at::Tensor>& parameters, double max_norm) {
  std::vector<at::Tensor> grads, norms;
  for (const auto& p : parameters) {
    if (!p.grad().defined()) continue;
    grads.push_back(p.grad());
    norms.push_back(p.grad().norm(2));
  }
  if (grads.empty()) return at::zeros({});
  const at::Tensor total = at::stack(norms).norm(2);
  const at::Tensor coefficient = (max_norm / (total + 1e-6)).clamp_max(1.0);
  for (auto& g : grads) g.mul_(coefficient);
  return total;
}

}  // namespace foresight

// Adam's state through optimizer_bytes / restore_optimizer: an optimiser restored onto copies of
// the parameters takes the same next steps as the original, bit for bit.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/optim/adam.h>

#include "support/test_support.hpp"
#include "trainer/train/optimizer_state.hpp"

namespace foresight {
namespace {

TEST(OptimizerState, ARestoredAdamTakesTheSameSteps) {
  at::manual_seed(3);
  std::vector<at::Tensor> a = {at::randn({4, 3}).requires_grad_(), at::randn({3}).requires_grad_()};
  torch::optim::Adam adam_a(a, torch::optim::AdamOptions(2e-3).betas({0.9, 0.999}));
  auto step = [](torch::optim::Adam& opt, std::vector<at::Tensor>& p, int k) {
    opt.zero_grad();
    at::Tensor loss = (p[0].sum(1) * (k + 1)).pow(2).sum() + p[1].pow(3).sum();
    loss.backward();
    opt.step();
  };
  for (int k = 0; k < 3; ++k) step(adam_a, a, k);
  const std::string bytes = optimizer_bytes(adam_a);

  std::vector<at::Tensor> b;
  for (const auto& t : a) b.push_back(t.detach().clone().requires_grad_());
  torch::optim::Adam adam_b(b, torch::optim::AdamOptions(2e-3).betas({0.9, 0.999}));
  restore_optimizer(adam_b, bytes, "test");
  for (int k = 3; k < 6; ++k) {
    step(adam_a, a, k);
    step(adam_b, b, k);
  }
  testing::expect_same_parameters(a, b);
}

}  // namespace
}  // namespace foresight

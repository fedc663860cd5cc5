// clip_grad_norm (the trainer's host-sync-free clipping) does what LibTorch's clip_grad_norm_
// does: the same scaled gradients and the same norm, and nothing below the bound.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
// clip_grad.h needs torch::Tensor declared first: torch/types.h stays above it.
// clang-format off
#include <torch/types.h>
#include <torch/nn/utils/clip_grad.h>
// clang-format on

#include "trainer/train/grad_clip.hpp"

namespace foresight {
namespace {

// Two copies of three parameters with the same random gradients (one without a gradient).
std::pair<std::vector<at::Tensor>, std::vector<at::Tensor>> twin_gradients(double scale) {
  at::manual_seed(4);
  std::vector<at::Tensor> a, b;
  for (auto shape : {std::vector<int64_t>{5, 3}, {7}, {2, 2}}) {
    a.push_back(at::zeros(shape).requires_grad_());
    b.push_back(at::zeros(shape).requires_grad_());
  }
  for (size_t i = 0; i + 1 < a.size(); ++i) {
    at::Tensor g = at::randn(a[i].sizes()) * scale;
    a[i].mutable_grad() = g.clone();
    b[i].mutable_grad() = g.clone();
  }
  return {a, b};
}

TEST(GradClip, ScalesAsLibTorchDoes) {
  auto [ours, theirs] = twin_gradients(3.0);
  const at::Tensor norm = clip_grad_norm(ours, 1.0);
  const double want = torch::nn::utils::clip_grad_norm_(theirs, 1.0);
  EXPECT_NEAR(norm.item<double>(), want, 1e-5 * want);
  ASSERT_GT(want, 1.0) << "the test wants gradients above the bound";
  for (size_t i = 0; i + 1 < ours.size(); ++i) {
    EXPECT_TRUE(at::allclose(ours[i].grad(), theirs[i].grad(), 1e-6, 1e-7)) << "parameter " << i;
  }
  at::Tensor all = at::cat({ours[0].grad().flatten(), ours[1].grad().flatten()});
  EXPECT_NEAR(all.norm().item<double>(), 1.0, 1e-5);
  EXPECT_FALSE(ours[2].grad().defined());
}

TEST(GradClip, LeavesGradientsBelowTheBoundUntouched) {
  auto [ours, copy] = twin_gradients(0.01);
  clip_grad_norm(ours, 1.0);
  for (size_t i = 0; i + 1 < ours.size(); ++i) {
    EXPECT_TRUE(at::equal(ours[i].grad(), copy[i].grad())) << "parameter " << i;
  }
}

}  // namespace
}  // namespace foresight

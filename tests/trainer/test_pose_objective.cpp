// The pose objective: with every clip teacher-forced, each step starts from the true previous
// frame and its loss and gradients are those of the model's forward written out step by step;
// with teacher forcing off, steps start from the model's own predictions.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/csrc/autograd/autograd.h>

#include "trainer/losses/losses.hpp"
#include "trainer/train/pose_objective.hpp"

namespace foresight {
namespace {

PoseConfig toy_config() {
  PoseConfig c;
  c.height = 8;
  c.width = 16;
  c.f_dim = 4;
  c.l_dim = 2;
  c.n_dim = 2;
  c.d_out = 6;
  return c;
}

// The loss written out from the model's forward: every step from the true previous frame.
at::Tensor forced_by_hand(PoseModel& m, const at::Tensor& frames, const at::Tensor& labels,
                          double beta, at::Generator& gen) {
  const int64_t T = frames.size(0), B = frames.size(1);
  const PoseConfig& c = m.config();
  at::Tensor mse_sum = at::zeros({}), kld_sum = at::zeros({});
  for (int64_t t = 1; t < T; ++t) {
    at::Tensor noise = draw_noise({B, c.n_dim, c.height, c.width}, gen, frames.device());
    auto [pred, mu, logvar] = m.forward(frames[t - 1], frames[t], labels[t - 1], labels[t], noise);
    mse_sum = mse_sum + mse(pred, frames[t]);
    kld_sum = kld_sum + kl_standard_normal_per_element(mu, logvar);
  }
  return (mse_sum + beta * kld_sum) / static_cast<double>(T - 1);
}

std::vector<at::Tensor> gradients(PoseModel& m, const at::Tensor& loss) {
  return torch::autograd::grad({loss}, m.parameters(), {}, /*retain_graph=*/false,
                               /*create_graph=*/false, /*allow_unused=*/true);
}

TEST(PoseObjective, TeacherForcedClipsStartEveryStepFromTheTrueFrame) {
  at::manual_seed(3);
  PoseModel m = PoseModel::create(toy_config());
  auto frames = at::rand({4, 2, 3, 8, 16}), labels = at::rand({4, 2, 3, 8, 16});
  at::Generator g1 = at::detail::createCPUGenerator(7), g2 = at::detail::createCPUGenerator(7);
  const PoseLoss got = pose_loss(m, frames, labels, at::ones({2}, at::kBool), 0.5, g1);
  const at::Tensor want = forced_by_hand(m, frames, labels, 0.5, g2);
  EXPECT_NEAR(got.loss.item<double>(), want.item<double>(), 1e-6);
  const auto grads_got = gradients(m, got.loss), grads_want = gradients(m, want);
  ASSERT_EQ(grads_got.size(), grads_want.size());
  for (size_t i = 0; i < grads_got.size(); ++i) {
    ASSERT_TRUE(grads_got[i].defined() && grads_want[i].defined()) << "parameter " << i;
    EXPECT_TRUE(at::allclose(grads_got[i], grads_want[i], 1e-5, 1e-7)) << "parameter " << i;
  }
}

TEST(PoseObjective, WithoutTeacherForcingTheStepsStartFromThePredictions) {
  at::manual_seed(3);
  PoseModel m = PoseModel::create(toy_config());
  auto frames = at::rand({4, 2, 3, 8, 16}), labels = at::rand({4, 2, 3, 8, 16});
  at::Generator g1 = at::detail::createCPUGenerator(7), g2 = at::detail::createCPUGenerator(7);
  const double forced =
      pose_loss(m, frames, labels, at::ones({2}, at::kBool), 0.5, g1).loss.item<double>();
  const double fed_back =
      pose_loss(m, frames, labels, at::zeros({2}, at::kBool), 0.5, g2).loss.item<double>();
  EXPECT_GT(std::abs(forced - fed_back), 1e-7);  // same noise, other inputs from step 2 on
}

}  // namespace
}  // namespace foresight

// The SVG objective: the teacher-forced batched path (every frame encoded at once, one decoder
// call for all steps) computes the same loss as the model's methods called step by step, for
// every decoder head; teacher forcing 0 feeds the model's own predictions back.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/csrc/autograd/autograd.h>

#include <algorithm>
#include <cmath>

#include "support/test_support.hpp"
#include "trainer/losses/losses.hpp"
#include "trainer/train/svg_objective.hpp"

namespace foresight {
namespace {

SvgConfig toy_config(DecoderHead head) {
  SvgConfig c;
  c.width = 0.125;
  c.g_dim = 16;
  c.z_dim = 4;
  c.rnn_size = 16;
  c.learned_prior = true;
  c.decoder = head;
  return c;
}

// The loss written out one step at a time from the model's methods: teacher-forced (the input
// of every step is the true previous frame) or fed back (from frame n_past on, the input is the
// model's own previous prediction).
SvgLoss step_by_step_loss(SvgModel& m, const at::Tensor& x, const at::Tensor& cond, double beta,
                          at::Generator& gen, bool feed_back) {
  const int64_t T = x.size(0), B = x.size(1);
  State state = m.init_state(B);
  at::Tensor mse_sum = at::zeros({}), kld = at::zeros({}), x_pred;
  for (int64_t i = 1; i < T; ++i) {
    at::Tensor x_in = feed_back && i - 1 >= m.config().n_past ? x_pred : x[i - 1];
    auto h_in = m.encode(x_in).first;
    const int64_t base =
        m.config().last_frame_skip ? i - 1 : std::min<int64_t>(i - 1, m.config().n_past - 1);
    at::Tensor x_base = m.config().last_frame_skip ? x_in : x[base];
    auto skips = m.encode(x_base).second;
    auto [mu, logvar, s1] = m.posterior(m.encode(x[i]).first, state);
    auto [mu_p, logvar_p, s2] = m.prior(h_in, s1);
    at::Tensor z = m.sample(mu, logvar, at::randn(mu.sizes(), gen));
    auto [h_pred, s3] = m.predict_step(h_in, z, cond[i - 1], s2);
    state = s3;
    kld = kld + kl_gaussian(mu, logvar, mu_p, logvar_p);
    x_pred = m.decode(h_pred, skips, x_base, cond[i - 1], cond[base], z);
    mse_sum = mse_sum + mse(x_pred, x[i]);
  }
  return {mse_sum + beta * kld, mse_sum, kld};
}

void expect_batched_equals_step_by_step(const SvgConfig& c) {
  at::manual_seed(0);
  SvgModel model = SvgModel::create(c);
  testing::move_action_layer(model);
  model.train(false);  // BatchNorm on running statistics: batching must not change the numbers
  at::Tensor x = at::rand({5, 2, 3, 64, 64}), cond = at::rand({5, 2, 7});
  at::Generator g1 = at::detail::createCPUGenerator(7), g2 = at::detail::createCPUGenerator(7);
  SvgLoss batched = svg_loss(model, x, cond, at::ones({2}, at::kBool), 0.5, g1);
  SvgLoss stepped = step_by_step_loss(model, x, cond, 0.5, g2, /*feed_back=*/false);
  EXPECT_NEAR(batched.mse.item<double>(), stepped.mse.item<double>(), 1e-6);
  EXPECT_NEAR(batched.kld.item<double>(), stepped.kld.item<double>(), 1e-5);
  EXPECT_NEAR(batched.loss.item<double>(), stepped.loss.item<double>(), 1e-5);
  // and the same gradients, parameter by parameter (the action layer's included)
  auto gradients = [&](const at::Tensor& loss) {
    std::vector<at::Tensor> params = model.parameters();
    return torch::autograd::grad({loss}, params, {}, /*retain_graph=*/false,
                                 /*create_graph=*/false, /*allow_unused=*/true);
  };
  std::vector<at::Tensor> gb = gradients(batched.loss), gs = gradients(stepped.loss);
  ASSERT_EQ(gb.size(), gs.size());
  int compared = 0;
  for (size_t i = 0; i < gb.size(); ++i) {
    ASSERT_EQ(gb[i].defined(), gs[i].defined()) << "parameter " << i;
    if (!gb[i].defined()) continue;
    const double scale = gs[i].abs().max().item<double>();
    EXPECT_LE((gb[i] - gs[i]).abs().max().item<double>(), 1e-4 * scale + 1e-7) << "parameter " << i;
    ++compared;
  }
  EXPECT_GT(compared, 10);
}

class SvgObjective : public ::testing::TestWithParam<DecoderHead> {};

TEST_P(SvgObjective, BatchedTeacherForcedPathEqualsTheStepByStepLoss) {
  expect_batched_equals_step_by_step(toy_config(GetParam()));
}

// The displacement that reads the latent sample (latent_shift): the batched path hands every
// step's own sample to the one decoder call.
TEST(SvgObjectiveLatentShift, BatchedTeacherForcedPathEqualsTheStepByStepLoss) {
  SvgConfig c = toy_config(DecoderHead::kAction);
  c.latent_shift = true;
  expect_batched_equals_step_by_step(c);
}

TEST_P(SvgObjective, WithoutTeacherForcingThePredictionsAreFedBack) {
  at::manual_seed(0);
  SvgConfig c = toy_config(GetParam());
  c.last_frame_skip = true;  // skips and head from the input frame: the fed-back one shows
  SvgModel model = SvgModel::create(c);
  testing::move_action_layer(model);
  model.train(false);
  if (GetParam() == DecoderHead::kPlain) {
    // An untrained plain decoder paints ~sigmoid(bias) whatever its input: give it a say.
    at::NoGradGuard no_grad;
    model.module().attr("dec").toModule().attr("upc5_1").toModule().attr("weight").toTensor().mul_(
        100);
  }
  at::Tensor x = at::rand({5, 2, 3, 64, 64}), cond = at::rand({5, 2, 7});
  auto loss = [&](bool forced, bool by_steps) {
    at::Generator g = at::detail::createCPUGenerator(7);
    if (by_steps) return step_by_step_loss(model, x, cond, 0.5, g, !forced).loss.item<double>();
    return svg_loss(model, x, cond, at::full({2}, forced, at::kBool), 0.5, g).loss.item<double>();
  };
  const double fed_back = loss(false, false), forced = loss(true, false);
  const double rounding = std::abs(fed_back - loss(false, true));
  EXPECT_LT(rounding, 1e-5);
  EXPECT_NEAR(forced, loss(true, true), 1e-5);
  // and it is not the teacher-forced loss: the fed-back inputs differ from the true frames (far
  // beyond the rounding between the two computations of the same loss)
  EXPECT_GT(std::abs(fed_back - forced), 100 * rounding + 1e-7);
}

INSTANTIATE_TEST_SUITE_P(Heads, SvgObjective,
                         ::testing::Values(DecoderHead::kPlain, DecoderHead::kComposite,
                                           DecoderHead::kFlow, DecoderHead::kAction),
                         [](const auto& info) { return to_string(info.param); });

}  // namespace
}  // namespace foresight

// The scripted SVG module: shapes through every method, both priors, the width multiplier, the
// decoder heads, and that the stateless step observes and forks state as documented.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/metrics/image_metrics.hpp"
#include "common/model/cpu_packing.hpp"
#include "common/model/svg_model.hpp"
#include "support/test_support.hpp"

namespace foresight {
namespace {

SvgConfig small_config(bool learned_prior, DecoderHead head = DecoderHead::kFlow) {
  SvgConfig c;
  c.decoder = head;
  c.width = 0.125;
  c.g_dim = 16;
  c.z_dim = 4;
  c.rnn_size = 32;
  c.learned_prior = learned_prior;
  return c;
}

class SvgHeads : public ::testing::TestWithParam<DecoderHead> {};

TEST_P(SvgHeads, EncodeDecodeShapes) {
  at::manual_seed(0);
  auto model = SvgModel::create(small_config(false, GetParam()));
  testing::move_action_layer(model);
  model.train(false);
  auto x = at::rand({3, 3, 64, 64});
  auto cond = at::randn({3, 7}), cond_base = at::randn({3, 7});
  auto [h, skips] = model.encode(x);
  EXPECT_EQ(h.sizes(), (std::vector<int64_t>{3, 16}));
  ASSERT_EQ(skips.size(), 4u);
  EXPECT_EQ(skips[0].sizes(), (std::vector<int64_t>{3, 8, 64, 64}));
  EXPECT_EQ(skips[1].sizes(), (std::vector<int64_t>{3, 16, 32, 32}));
  EXPECT_EQ(skips[2].sizes(), (std::vector<int64_t>{3, 32, 16, 16}));
  EXPECT_EQ(skips[3].sizes(), (std::vector<int64_t>{3, 64, 8, 8}));
  EXPECT_LE(h.abs().max().item<float>(), 1.0f);  // tanh output
  auto y = model.decode(h, skips, x, cond, cond_base);
  EXPECT_EQ(y.sizes(), x.sizes());
  EXPECT_GE(y.min().item<float>(), 0.0f);
  EXPECT_LE(y.max().item<float>(), 1.0f);
}

INSTANTIATE_TEST_SUITE_P(Heads, SvgHeads,
                         ::testing::Values(DecoderHead::kPlain, DecoderHead::kComposite,
                                           DecoderHead::kFlow, DecoderHead::kAction),
                         [](const auto& info) { return to_string(info.param); });

// An untrained composite, flow or action head copies the previous frame (it learns what to change
// from copy-last), where the plain head paints a grey-ish picture.
TEST(SvgModel, CompositeFlowAndActionHeadsStartFromThePreviousFrame) {
  at::NoGradGuard no_grad;
  auto x_prev = at::rand({2, 3, 64, 64});
  auto psnr_to_prev = [&](DecoderHead head) {
    at::manual_seed(0);
    auto model = SvgModel::create(small_config(false, head));
    model.train(false);
    auto [h, skips] = model.encode(at::rand({2, 3, 64, 64}));
    auto cond = at::randn({2, 7});
    return psnr_per_image(model.decode(h, skips, x_prev, cond, at::randn({2, 7})), x_prev)
        .mean()
        .item<double>();
  };
  EXPECT_GT(psnr_to_prev(DecoderHead::kComposite), 30.0);
  EXPECT_GT(psnr_to_prev(DecoderHead::kFlow), 30.0);
  EXPECT_GT(psnr_to_prev(DecoderHead::kAction), 30.0);
  EXPECT_LT(psnr_to_prev(DecoderHead::kPlain), 15.0);
}

// Zeroes the decoder's last weights, so every pixel's head channels are that layer's bias, and
// returns the bias for the test to set.
at::Tensor output_is_the_last_bias(SvgModel& model) {
  auto last = model.module().attr("dec").toModule().attr("upc5_1").toModule();
  last.attr("weight").toTensor().zero_();
  return last.attr("bias").toTensor();
}

// Sets the action head's masks so that the gripper's layer (fraction 1) alone covers every pixel:
// the output is the base frame moved by the whole displacement.
void only_the_gripper_layer(SvgModel& model) {
  at::Tensor bias = output_is_the_last_bias(model);
  bias.narrow(0, 7, kActionLayers).fill_(-100.0);
  bias[7 + kActionLayers - 1].fill_(100.0);
}

// Largest |y[r][c] - x[r - dy][c - dx]| over the pixels where both exist: how far y is from x
// moved dy pixels down and dx right.
float max_shift_error(const at::Tensor& y, const at::Tensor& x, int64_t dy, int64_t dx) {
  const int64_t h = y.size(2), w = y.size(3);
  auto inner = y.slice(2, std::max<int64_t>(dy, 0), h + std::min<int64_t>(dy, 0))
                   .slice(3, std::max<int64_t>(dx, 0), w + std::min<int64_t>(dx, 0));
  auto moved = x.slice(2, std::max<int64_t>(-dy, 0), h + std::min<int64_t>(-dy, 0))
                   .slice(3, std::max<int64_t>(-dx, 0), w + std::min<int64_t>(-dx, 0));
  return (inner - moved).abs().max().item<float>();
}

// The flow head's warp: a flow of +1 pixel in x samples each pixel's right-hand neighbour.
TEST(SvgModel, FlowHeadWarpsThePreviousFrameByThePredictedFlow) {
  at::NoGradGuard no_grad;
  at::manual_seed(0);
  auto model = SvgModel::create(small_config(false, DecoderHead::kFlow));
  model.train(false);
  at::Tensor bias = output_is_the_last_bias(model);
  bias[3].fill_(-100.0);  // no paint...
  bias[6].fill_(100.0);   // ...and no keep: the output is the warped frame alone
  bias[4].fill_(1.0);     // flow x = +1 pixel
  bias[5].fill_(-2.0);    // flow y = -2 pixels
  auto x_prev = at::rand({1, 3, 64, 64});
  auto [h, skips] = model.encode(x_prev);
  auto cond = at::zeros({1, 7});
  auto y = model.decode(h, skips, x_prev, cond, cond);
  EXPECT_LT(max_shift_error(y, x_prev, 2, -1), 1e-5f);  // 2 down, 1 left
}

// The action layers move the base frame by fractions of a displacement, a linear function of the
// two conditions: with the last layer's mask at 1 everywhere, the output is the base shifted by it.
TEST(SvgModel, ActionLayerMovesTheBaseByTheDisplacementTheConditionsGive) {
  at::NoGradGuard no_grad;
  at::manual_seed(0);
  auto model = SvgModel::create(small_config(false, DecoderHead::kAction));
  model.train(false);
  only_the_gripper_layer(model);
  auto layer = model.module().attr("mover").toModule();
  auto w = layer.attr("weight").toTensor();  // [2, 2 * 7]: (x, y) from [cond, cond_base]
  w[0][0].fill_(3.0 / kActionGain);          // x: 3 pixels per unit of cond[0]...
  w[0][7].fill_(-3.0 / kActionGain);         // ...minus the same of cond_base[0]
  w[1][1].fill_(-2.0 / kActionGain);         // y: -2 pixels per unit of cond[1]
  auto x_base = at::rand({1, 3, 64, 64});
  auto [h, skips] = model.encode(x_base);
  auto cond = at::zeros({1, 7}), cond_base = at::zeros({1, 7});
  cond[0][0] = 1.0;  // dx = 3 * (1 - 1/3) = 2 pixels
  cond_base[0][0] = 1.0 / 3.0;
  cond[0][1] = 0.5;  // dy = -1 pixel
  auto y = model.decode(h, skips, x_base, cond, cond_base);
  EXPECT_LT(max_shift_error(y, x_base, -1, 2), 1e-4f);  // 1 up, 2 right
  // The same position at both ends and no action: nothing moves.
  auto still = model.decode(h, skips, x_base, cond_base, cond_base);
  EXPECT_LT((still - x_base).abs().max().item<float>(), 1e-5f);
}

// With latent motion the displacement also reads the predicted encoding h: untrained, that term
// is 0 (the layer is the conditions' alone, weight for weight); set, it moves the base by a
// linear function of h, so two latent samples put the gripper in two places.
TEST(SvgModel, LatentMotionMovesTheBaseByAnAmountLinearInTheEncoding) {
  at::NoGradGuard no_grad;
  SvgConfig plain_cfg = small_config(false, DecoderHead::kAction);
  SvgConfig latent_cfg = plain_cfg;
  latent_cfg.latent_motion = true;
  at::manual_seed(0);
  auto plain = SvgModel::create(plain_cfg);
  at::manual_seed(0);
  auto latent = SvgModel::create(latent_cfg);
  plain.train(false);
  latent.train(false);
  testing::move_action_layer(plain);
  auto layer = latent.module().attr("mover").toModule();
  auto plain_layer = plain.module().attr("mover").toModule();
  layer.attr("weight").toTensor().copy_(plain_layer.attr("weight").toTensor());
  layer.attr("bias").toTensor().copy_(plain_layer.attr("bias").toTensor());
  ASSERT_EQ(layer.attr("latent_weight").toTensor().sizes(), (std::vector<int64_t>{2, 16}));
  auto x_base = at::rand({1, 3, 64, 64});
  auto [h, skips] = latent.encode(x_base);
  auto cond = at::randn({1, 7}), cond_base = at::randn({1, 7});
  EXPECT_LT((latent.decode(h, skips, x_base, cond, cond_base) -
             plain.decode(h, skips, x_base, cond, cond_base))
                .abs()
                .max()
                .item<float>(),
            1e-6f);

  // Only the gripper's layer, covering everything, and only h moving it: 2 pixels right per unit
  // of h[0], 1 pixel down per unit of h[1].
  only_the_gripper_layer(latent);
  layer.attr("weight").toTensor().zero_();
  layer.attr("bias").toTensor().zero_();
  auto lw = layer.attr("latent_weight").toTensor();
  lw[0][0].fill_(2.0 / kActionGain);
  lw[1][1].fill_(1.0 / kActionGain);
  auto h_sample = at::zeros_like(h);
  h_sample[0][0] = 1.0;
  h_sample[0][1] = 1.0;
  auto y = latent.decode(h_sample, skips, x_base, cond, cond_base);
  EXPECT_LT(max_shift_error(y, x_base, 1, 2), 1e-4f);  // 1 down, 2 right
  auto still = latent.decode(at::zeros_like(h), skips, x_base, cond, cond_base);
  EXPECT_LT((still - x_base).abs().max().item<float>(), 1e-5f);

  nlohmann::json j = latent_cfg;
  EXPECT_TRUE(j.get<SvgConfig>().latent_motion);
  j.erase("latent_motion");  // files written before it
  EXPECT_FALSE(j.get<SvgConfig>().latent_motion);
  latent_cfg.decoder = DecoderHead::kFlow;
  EXPECT_THROW(latent_cfg.validate(), std::invalid_argument);
}

// With latent shift the displacement reads the latent sample z: a pixel per unit of z[0] (right)
// and z[1] (down) from the start, so prior samples move the gripper before any training, and the
// posterior's mean gets a gradient from the frame it moves.
TEST(SvgModel, LatentShiftMovesTheBaseAPixelPerUnitOfTheSample) {
  at::NoGradGuard no_grad;
  SvgConfig cfg = small_config(false, DecoderHead::kAction);
  cfg.latent_shift = true;
  at::manual_seed(0);
  auto model = SvgModel::create(cfg);
  model.train(false);
  auto layer = model.module().attr("mover").toModule();
  auto lw = layer.attr("latent_weight").toTensor();
  ASSERT_EQ(lw.sizes(), (std::vector<int64_t>{2, cfg.z_dim}));
  EXPECT_FLOAT_EQ(lw[0][0].item<float>() * kActionGain, 1.0f);
  EXPECT_FLOAT_EQ(lw[1][1].item<float>() * kActionGain, 1.0f);
  EXPECT_EQ(lw.abs().sum().item<float>() * kActionGain, 2.0f);

  // Only the gripper's layer, covering everything; the conditions' displacement at 0.
  only_the_gripper_layer(model);
  auto x_base = at::rand({1, 3, 64, 64});
  auto [h, skips] = model.encode(x_base);
  auto cond = at::randn({1, 7}), cond_base = at::randn({1, 7});
  auto z = at::zeros({1, cfg.z_dim});
  z[0][0] = 2.0;
  z[0][1] = 1.0;
  z[0][2] = 5.0;  // beyond the first two dimensions: no move
  auto y = model.decode(h, skips, x_base, cond, cond_base, z);
  EXPECT_LT(max_shift_error(y, x_base, 1, 2), 1e-4f);  // 1 down, 2 right
  auto still = model.decode(h, skips, x_base, cond, cond_base, at::zeros_like(z));
  EXPECT_LT((still - x_base).abs().max().item<float>(), 1e-5f);

  nlohmann::json j = cfg;
  EXPECT_TRUE(j.get<SvgConfig>().latent_shift);
  j.erase("latent_shift");  // files written before it
  EXPECT_FALSE(j.get<SvgConfig>().latent_shift);
  cfg.latent_motion = true;
  EXPECT_THROW(cfg.validate(), std::invalid_argument);
  cfg.latent_motion = false;
  cfg.decoder = DecoderHead::kFlow;
  EXPECT_THROW(cfg.validate(), std::invalid_argument);
}

TEST(SvgConfig, TheActionHeadNeedsConditions) {
  SvgConfig c = small_config(false, DecoderHead::kAction);
  c.cond_dim = 0;
  EXPECT_THROW(c.validate(), std::invalid_argument);
}

// The predictor sees standardised conditions: a model with statistics fed raw conditions equals
// one without fed the standardised numbers (the statistics draw nothing from the RNG).
TEST(SvgModel, StandardisesConditionsWithTheConfigsStatistics) {
  at::NoGradGuard no_grad;
  SvgConfig raw = small_config(true);
  SvgConfig scaled = raw;
  scaled.cond_mean = {0.01, -0.02, 0.0, 1.0, 0.1, -0.1, 0.03};
  scaled.cond_std = {0.02, 0.02, 0.01, 1.0, 0.1, 0.1, 0.02};
  at::manual_seed(3);
  auto a = SvgModel::create(raw);
  at::manual_seed(3);
  auto b = SvgModel::create(scaled);
  auto h = at::rand({2, 16}), z = at::randn({2, 4}), cond = at::randn({2, 7}) * 0.05;
  auto mean = at::tensor(scaled.cond_mean, at::kFloat),
       sd = at::tensor(scaled.cond_std, at::kFloat);
  auto [ha, sa] = a.predict_step(h, z, (cond - mean) / sd, a.init_state(2));
  auto [hb, sb] = b.predict_step(h, z, cond, b.init_state(2));
  EXPECT_LT((ha - hb).abs().max().item<float>(), 1e-6f);
  auto [hc, sc] = a.predict_step(h, z, cond, a.init_state(2));
  EXPECT_GT((ha - hc).abs().max().item<float>(), 1e-4f);  // and the scaling matters
  nlohmann::json j = scaled;
  EXPECT_EQ(j.get<SvgConfig>().cond_std, scaled.cond_std);
  scaled.cond_std[0] = 0.0;
  EXPECT_THROW(scaled.validate(), std::invalid_argument);
}

TEST(SvgConfig, ModelsWrittenBeforeTheHeadsArePlainAndUnknownHeadsAreErrors) {
  SvgConfig c = nlohmann::json{{"g_dim", 16}}.get<SvgConfig>();
  EXPECT_EQ(c.decoder, DecoderHead::kPlain);
  nlohmann::json j = small_config(false, DecoderHead::kComposite);
  EXPECT_EQ(j.at("decoder"), "composite");
  EXPECT_EQ(j.get<SvgConfig>().decoder, DecoderHead::kComposite);
  j["decoder"] = "cdna";
  EXPECT_THROW(j.get<SvgConfig>(), std::invalid_argument);
}

TEST(SvgModel, FullSizeParameterCountMatchesReference) {
  // The reference vgg_64 encoder+decoder and LSTMs at g 128, z 64, rnn 256 (learned prior).
  at::manual_seed(0);
  SvgConfig c;
  c.learned_prior = true;
  c.decoder = DecoderHead::kPlain;  // the reference's sigmoid output layer
  auto model = SvgModel::create(c);
  int64_t n = 0;
  for (auto& p : model.parameters()) n += p.numel();
  // Counted from the reference vgg_64 layout: conv weight + bias, BatchNorm weight + bias.
  auto conv = [](int64_t in, int64_t out, int64_t k, bool bn) {
    return in * out * k * k + out + (bn ? 2 * out : 0);
  };
  int64_t encoder = conv(3, 64, 3, 1) + conv(64, 64, 3, 1) + conv(64, 128, 3, 1) +
                    conv(128, 128, 3, 1) + conv(128, 256, 3, 1) + 2 * conv(256, 256, 3, 1) +
                    conv(256, 512, 3, 1) + 2 * conv(512, 512, 3, 1) + conv(512, 128, 4, 1);
  int64_t decoder = conv(128, 512, 4, 1) + conv(1024, 512, 3, 1) + conv(512, 512, 3, 1) +
                    conv(512, 256, 3, 1) + conv(512, 256, 3, 1) + conv(256, 256, 3, 1) +
                    conv(256, 128, 3, 1) + conv(256, 128, 3, 1) + conv(128, 64, 3, 1) +
                    conv(128, 64, 3, 1) + conv(64, 3, 3, 0);
  auto lstm_cells = [](int64_t layers, int64_t h) { return layers * (2 * 4 * h * h + 2 * 4 * h); };
  int64_t predictor = (128 + 64 + 7) * 256 + 256 + lstm_cells(2, 256) + 256 * 128 + 128;
  int64_t gaussian = 128 * 256 + 256 + lstm_cells(1, 256) + 2 * (256 * 64 + 64);
  EXPECT_EQ(n, encoder + decoder + predictor + 2 * gaussian);
  for (auto& p : model.parameters()) EXPECT_TRUE(p.requires_grad());
}

TEST(SvgModel, FixedPriorIsStandardNormal) {
  at::manual_seed(0);
  auto model = SvgModel::create(small_config(false));
  auto state = model.init_state(2);
  auto [mu, logvar, s2] = model.prior(at::rand({2, 16}), state);
  EXPECT_EQ(mu.abs().max().item<float>(), 0.0f);
  EXPECT_EQ(logvar.abs().max().item<float>(), 0.0f);
  EXPECT_EQ(mu.sizes(), (std::vector<int64_t>{2, 4}));
}

TEST(SvgModel, LearnedPriorAndPosteriorAdvanceTheirState) {
  at::manual_seed(0);
  auto model = SvgModel::create(small_config(true));
  auto state = model.init_state(2);
  ASSERT_EQ(state.size(), 7u);
  auto h = at::rand({2, 16});
  auto [mu_p, lv_p, s1] = model.prior(h, state);
  EXPECT_GT(s1[4].abs().sum().item<float>(), 0.0f);  // prior LSTM moved
  EXPECT_EQ(s1[2].abs().sum().item<float>(), 0.0f);  // posterior untouched
  auto [mu_q, lv_q, s2] = model.posterior(h, s1);
  EXPECT_GT(s2[2].abs().sum().item<float>(), 0.0f);
  EXPECT_LE(lv_q.max().item<float>(), 10.0f);
  EXPECT_GE(lv_q.min().item<float>(), -10.0f);
  auto z = model.sample(mu_q, lv_q, at::zeros_like(mu_q));
  EXPECT_TRUE(at::allclose(z, mu_q));
  auto [h_pred, s3] = model.predict_step(h, z, at::rand({2, 7}), s2);
  EXPECT_EQ(h_pred.sizes(), (std::vector<int64_t>{2, 16}));
  EXPECT_GT(s3[0].abs().sum().item<float>(), 0.0f);
}

TEST(SvgModel, StepObservesAndRollsOut) {
  at::manual_seed(0);
  auto model = SvgModel::create(small_config(true));
  model.train(false);
  at::NoGradGuard no_grad;
  auto state = model.init_state(1);
  auto x0 = at::rand({1, 3, 64, 64});
  auto conds = at::rand({3, 1, 7});
  auto noise = at::randn({4, 1, 4});
  auto [p0, s0] = model.step(x0, at::zeros({1, 7}), conds, state, true, noise);
  EXPECT_EQ(p0.sizes(), (std::vector<int64_t>{3, 1, 3, 64, 64}));
  // The first observation only records the encoding; the recurrent state stays at zero.
  EXPECT_EQ(s0[0].abs().sum().item<float>(), 0.0f);
  EXPECT_GT(s0[6].abs().sum().item<float>(), 0.0f);
  auto [p1, s1] = model.step(at::rand({1, 3, 64, 64}), conds[0], conds, s0, false, noise);
  EXPECT_GT(s1[0].abs().sum().item<float>(), 0.0f);
  // Same inputs, same noise: same predictions (the fork does not leak into the state).
  auto [p1b, s1b] =
      model.step(at::rand({1, 3, 64, 64}) * 0 + x0, conds[0], conds, s0, false, noise);
  auto [p1c, s1c] = model.step(x0, conds[0], conds, s0, false, noise);
  EXPECT_TRUE(at::allclose(p1b, p1c));
  EXPECT_TRUE(at::allclose(s1b[0], s1c[0]));
}

// At batch 1 the recurrent layers take matrix-vector products (linear.torchscript,
// lstm_cells.torchscript's cell_one_row); a batch of two runs torch.linear and torch.lstm_cell.
// The same sequence in row 0 of both must give the same predictions and states.
TEST(SvgModel, AtBatchOneTheRecurrentLayersMatchTheBatchedPath) {
  at::manual_seed(0);
  auto model = SvgModel::create(small_config(true));
  model.train(false);
  at::NoGradGuard no_grad;
  auto x = at::rand({3, 2, 3, 64, 64});
  auto conds = at::rand({3, 2, 7});
  auto noise = at::randn({4, 2, 4});
  auto run = [&](int64_t batch) {
    auto rows = [&](const at::Tensor& t) { return t.narrow(1, 0, batch).contiguous(); };
    auto state = model.init_state(batch);
    at::Tensor preds;
    for (int64_t t = 0; t < 3; ++t) {
      std::tie(preds, state) = model.step(rows(x)[t], rows(conds)[t], rows(conds).narrow(0, t, 1),
                                          state, t == 0, rows(noise).narrow(0, 0, 2));
    }
    return std::make_pair(preds, state);
  };
  auto [p1, s1] = run(1);
  auto [p2, s2] = run(2);
  EXPECT_TRUE(at::allclose(p1, p2.narrow(1, 0, 1), 1e-5, 1e-5));
  ASSERT_EQ(s1.size(), s2.size());
  for (size_t i = 0; i < s1.size(); ++i) {
    const int64_t batch_dim = s1[i].dim() == 3 ? 1 : 0;  // [layers, B, hidden] or [B, g]
    EXPECT_TRUE(at::allclose(s1[i], s2[i].narrow(batch_dim, 0, 1), 1e-5, 1e-5)) << "state " << i;
  }
  // The recurrent state moved: the comparison is not between zeros.
  EXPECT_GT(s1[0].abs().sum().item<float>(), 0.0f);
}

// The edge's CPU packing (conv_packing.torchscript): every convolution, transposed ones and
// folded BatchNorm included, predicts what the plain layers predict, and only in eval mode.
TEST(SvgModel, PreparingForTheCpuPacksEveryConvolutionAndPredictsTheSame) {
  for (DecoderHead head : {DecoderHead::kFlow, DecoderHead::kAction}) {
    at::manual_seed(3);
    auto model = SvgModel::create(small_config(true, head));
    torch::jit::Module& m = model.module();
    // Where the product does not pack (no oneDNN, or oneDNN off: torch_compat.hpp), neither do we.
    if (!cpu_weight_packing_wanted()) GTEST_SKIP() << "no weight packing on this LibTorch or CPU";
    EXPECT_THROW(m.get_method("prepare_for_cpu")({int64_t{1}}), std::exception) << "training mode";
    // Running statistics away from (0, 1) and BatchNorm shifts away from 0, so that folding
    // them changes the weights.
    for (const auto& b : m.named_buffers()) {
      if (b.name.find("running_mean") != std::string::npos) b.value.normal_(0.0, 0.3);
      if (b.name.find("running_var") != std::string::npos) b.value.uniform_(0.5, 2.0);
    }
    at::NoGradGuard init;
    for (const auto& p : m.named_parameters()) {
      if (p.name.find("bn_bias") != std::string::npos) p.value.normal_(0.0, 0.1);
    }
    model.train(false);
    at::NoGradGuard no_grad;
    auto x = at::rand({2, 3, 64, 64}), x2 = at::rand({2, 3, 64, 64});
    auto conds = at::rand({3, 2, 7});
    auto noise = at::randn({4, 2, 4});
    auto roll = [&] {
      auto [p0, s0] = model.step(x, at::zeros({2, 7}), conds, model.init_state(2), true, noise);
      auto [p1, s1] = model.step(x2, conds[0], conds, s0, false, noise);
      return at::cat({p0, p1});
    };
    const at::Tensor want = roll();
    if (!m.get_method("prepare_for_cpu")({int64_t{1}}).toBool()) GTEST_SKIP() << "cannot pack";
    int packed = 0;
    for (const auto& sub : m.named_modules()) {
      if (sub.value.hasattr("is_packed")) {
        EXPECT_TRUE(sub.value.attr("is_packed").toBool()) << sub.name;
        ++packed;
      }
    }
    EXPECT_EQ(packed, 22);          // the encoder's 11 layers and the decoder's 11
    const at::Tensor got = roll();  // batch 2 on contexts packed for batch 1
    // Packed layers run channels-last; what the callers get stays in the usual layout.
    EXPECT_TRUE(got.is_contiguous());
    EXPECT_LE((got - want).abs().max().item<double>(), 1e-5);
    EXPECT_GT(want.std().item<double>(), 0.01);
  }
}

// FORESIGHT_WEIGHT_PACKING=off while building (exporting for a LibTorch without oneDNN): the
// model names no oneDNN operator, and prepare_for_cpu packs nothing.
TEST(SvgModel, WithPackingSwitchedOffTheModelNamesNoOneDnnOperator) {
  setenv("FORESIGHT_WEIGHT_PACKING", "off", 1);
  auto model = SvgModel::create(small_config(true));
  unsetenv("FORESIGHT_WEIGHT_PACKING");
  model.train(false);
  torch::jit::Module& m = model.module();
  EXPECT_FALSE(m.attr("enc").toModule().attr("c1_0").toModule().hasattr("packed"));
  EXPECT_FALSE(m.get_method("prepare_for_cpu")({int64_t{1}}).toBool());
  int methods = 0;
  for (const auto& sub : m.modules()) {
    for (const auto& method : sub.get_methods()) {
      std::stringstream code;
      code << *method.graph();
      EXPECT_EQ(code.str().find("mkldnn_prepacked"), std::string::npos) << method.name();
      ++methods;
    }
  }
  EXPECT_GT(methods, 22);
}
}  // namespace
}  // namespace foresight

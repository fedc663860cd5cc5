// --precision bf16: AutocastGuard runs the scripted convolutions in bfloat16 as the trainer runs
// them (plain graphs) and restores the previous state; the losses of both families under it stay
// within a bound of float32's on the same weights, data and noise, with float32 loss terms and
// float32 gradients pointing the same way.
#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/cuda.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>

#include "common/util/torch_compat.hpp"
#include "support/test_support.hpp"
#include "support/toy_training.hpp"
#include "trainer/checkpoint/checkpoint.hpp"
#include "trainer/train/pose_objective.hpp"
#include "trainer/train/svg_objective.hpp"
#include "trainer/train/trainer.hpp"

namespace foresight {
namespace {

// The cosine of the angle between two gradients, every parameter's flattened into one vector.
double gradient_cosine(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b) {
  std::vector<at::Tensor> fa, fb;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!a[i].defined() || !b[i].defined()) continue;
    fa.push_back(a[i].flatten());
    fb.push_back(b[i].flatten());
  }
  const at::Tensor va = at::cat(fa).to(at::kDouble), vb = at::cat(fb).to(at::kDouble);
  return (va.dot(vb) / (va.norm() * vb.norm())).item<double>();
}

struct LossAndGradients {
  at::Tensor loss;
  std::vector<at::Tensor> gradients;
};

// Computes `loss` in float32 and under bf16 autocast, each with a fresh generator of the same
// seed, and the gradients of the parameters (outside autocast, as the trainer's backward).
std::pair<LossAndGradients, LossAndGradients> both_precisions(
    const std::function<at::Tensor(at::Generator&)>& loss,
    const std::vector<at::Tensor>& parameters, c10::DeviceType device = c10::DeviceType::CPU) {
  torch::jit::GraphOptimizerEnabledGuard plain_graphs(false);  // as the trainer runs them
  auto run = [&](bool bf16) {
    at::Generator gen = at::detail::createCPUGenerator(11);
    std::optional<AutocastGuard> amp;
    if (bf16) amp.emplace(device, at::kBFloat16);
    LossAndGradients out;
    out.loss = loss(gen);
    amp.reset();
    out.gradients = torch::autograd::grad({out.loss}, parameters, {}, false, false, true);
    return out;
  };
  LossAndGradients fp32 = run(false);
  LossAndGradients bf16 = run(true);
  return {fp32, bf16};
}

// A small pose model: frames of height x width, every width `features`, latent 2 channels.
PoseModel small_pose_model(int height, int width, int features) {
  PoseConfig c;
  c.height = height;
  c.width = width;
  c.f_dim = c.d_out = features;
  c.l_dim = features / 2;
  c.n_dim = 2;
  return PoseModel::create(c);
}

TEST(Precision, AutocastGuardRunsScriptedConvolutionsInBf16AndRestoresTheState) {
  PoseModel m = small_pose_model(8, 16, 4);
  torch::jit::GraphOptimizerEnabledGuard plain_graphs(false);
  const at::Tensor x = at::rand({2, 3, 8, 16});
  {
    AutocastGuard amp(c10::DeviceType::CPU, at::kBFloat16);
    EXPECT_EQ(m.encode(x).scalar_type(), at::kBFloat16);
  }
  EXPECT_EQ(m.encode(x).scalar_type(), at::kFloat);
  EXPECT_THROW(AutocastGuard(c10::DeviceType::Meta, at::kBFloat16), std::invalid_argument);
}

TEST(Precision, PoseLossUnderBf16StaysNearFloat32) {
  at::manual_seed(3);
  PoseModel m = small_pose_model(16, 32, 16);
  const at::Tensor frames = at::rand({4, 2, 3, 16, 32}), labels = at::rand({4, 2, 3, 16, 32});
  for (bool forced : {true, false}) {
    auto [fp32, bf16] = both_precisions(
        [&](at::Generator& gen) {
          const at::Tensor tf = forced ? at::ones({2}, at::kBool) : at::zeros({2}, at::kBool);
          return pose_loss(m, frames, labels, tf, 0.5, gen).loss;
        },
        m.parameters());
    EXPECT_EQ(bf16.loss.scalar_type(), at::kFloat);
    const double want = fp32.loss.item<double>(), got = bf16.loss.item<double>();
    EXPECT_NEAR(got, want, 0.02 * want) << (forced ? "teacher-forced" : "fed back");
    for (const at::Tensor& g : bf16.gradients) {
      if (g.defined()) {
        EXPECT_EQ(g.scalar_type(), at::kFloat);
      }
    }
    EXPECT_GT(gradient_cosine(fp32.gradients, bf16.gradients), 0.99);
  }
}

// The KL weight of the presets. Per parameter, bf16 moves the gradients of the encoder's first
// layers by up to ~45% here (an untrained model, whose encoder gradients are small sums of
// larger terms); the whole gradient keeps its direction. Whether training still gets where
// float32 gets is measured on the tiny preset (docs/training.md, "Mixed precision").
constexpr double kTinyBeta = 1e-4;

void expect_svg_bf16_near_float32(c10::Device device) {
  at::manual_seed(0);
  SvgConfig c;
  c.width = 0.125;
  c.g_dim = 16;
  c.z_dim = 4;
  c.rnn_size = 16;
  c.learned_prior = true;
  SvgModel m = SvgModel::create(c);
  testing::move_action_layer(m);
  m.to(device);
  m.train(true);  // BatchNorm on batch statistics, as in training
  const at::Tensor x = at::rand({5, 4, 3, 64, 64}).to(device);
  const at::Tensor cond = at::rand({5, 4, 7}).to(device);
  Float32MathGuard full_float32;  // no TF32 on the float32 side of a GPU comparison
  auto [fp32, bf16] = both_precisions(
      [&](at::Generator& gen) {
        return svg_loss(m, x, cond, at::ones({4}, at::kBool), kTinyBeta, gen).loss;
      },
      m.parameters(), device.type());
  EXPECT_EQ(bf16.loss.scalar_type(), at::kFloat);
  const double want = fp32.loss.item<double>(), got = bf16.loss.item<double>();
  EXPECT_NEAR(got, want, 0.02 * want);
  EXPECT_GT(gradient_cosine(fp32.gradients, bf16.gradients), 0.99);
}

TEST(Precision, SvgLossUnderBf16StaysNearFloat32) { expect_svg_bf16_near_float32(at::kCPU); }

TEST(Precision, SvgLossUnderBf16OnCudaStaysNearFloat32) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  expect_svg_bf16_near_float32(at::kCUDA);
}

// A bf16 run trains, keeps float32 weights, and records its precision, which a resumed run (and
// an older run's config, written before --precision, as float32) reads back.
TEST(Precision, ABf16RunTrainsKeepsFloat32WeightsAndResumesInBf16) {
  TrainConfig c = testing::toy_train_config("bf16-run");
  c.precision = Precision::kBf16;
  const TrainSummary s = train(c, std::nullopt);
  EXPECT_TRUE(std::isfinite(s.best_val_psnr));
  EXPECT_GT(s.best_val_psnr, 5.0);
  auto [ckpt, model] = load_checkpoint(std::filesystem::path(c.out) / kLastCheckpoint);
  EXPECT_EQ(ckpt.config.precision, Precision::kBf16);
  for (const at::Tensor& p : model.parameters()) EXPECT_EQ(p.scalar_type(), at::kFloat);

  TrainConfig more = c;
  more.epochs = 2;
  more.precision = Precision::kFp32;  // the command line's value; the run's own wins
  const TrainSummary resumed = train(more, std::filesystem::path(c.out));
  EXPECT_EQ(resumed.epochs, 2);
  EXPECT_EQ(load_checkpoint(std::filesystem::path(c.out) / kLastCheckpoint).first.config.precision,
            Precision::kBf16);

  nlohmann::json old = c;
  old.erase("precision");
  EXPECT_EQ(old.get<TrainConfig>().precision, Precision::kFp32);
}

}  // namespace
}  // namespace foresight

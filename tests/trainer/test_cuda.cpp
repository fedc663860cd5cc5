// The GPU against the CPU: the same weights and inputs give the same edge step, loss and
// gradients on CUDA as on the CPU (within float32 bounds: cuDNN and cuBLAS sum in other orders),
// and a run resumes across devices with Adam's moments on the new one. Skipped where this
// LibTorch or machine has no CUDA; tools/gpu_check.sh runs them on a GPU.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/cuda.h>

#include <filesystem>

#include "common/util/torch_compat.hpp"
#include "support/test_support.hpp"
#include "support/toy_training.hpp"
#include "trainer/checkpoint/checkpoint.hpp"
#include "trainer/train/svg_objective.hpp"
#include "trainer/train/trainer.hpp"

namespace foresight {
namespace {
namespace fs = std::filesystem;

#define SKIP_WITHOUT_CUDA()                                               \
  if (!torch::cuda::is_available()) {                                     \
    GTEST_SKIP() << "no CUDA device (this LibTorch or machine has none)"; \
  }

// max |a - b| over max |a|: the error relative to the tensor's scale.
double relative_error(const at::Tensor& cpu, const at::Tensor& other) {
  const at::Tensor b = other.to(at::kCPU);
  return (cpu - b).abs().max().item<double>() / (cpu.abs().max().item<double>() + 1e-12);
}

SvgConfig small_config() {
  SvgConfig c;
  c.width = 0.25;
  c.g_dim = 32;
  c.z_dim = 8;
  c.rnn_size = 32;
  c.learned_prior = true;
  c.decoder = DecoderHead::kAction;
  return c;
}

// The same model twice: on the CPU and on the GPU.
std::pair<SvgModel, SvgModel> twin_models() {
  at::manual_seed(11);
  SvgModel cpu = SvgModel::create(small_config());
  testing::move_action_layer(cpu);
  at::manual_seed(11);
  SvgModel gpu = SvgModel::create(small_config());
  testing::move_action_layer(gpu);
  gpu.to(c10::Device(c10::kCUDA));
  return {std::move(cpu), std::move(gpu)};
}

TEST(Cuda, EdgeStepMatchesTheCpu) {
  SKIP_WITHOUT_CUDA();
  Float32MathGuard f32;  // these bounds are for float32 math, not TF32
  auto [cpu, gpu] = twin_models();
  cpu.train(false);
  gpu.train(false);
  const int64_t B = 3, K = 4;
  at::manual_seed(2);
  const at::Tensor x0 = at::rand({B, 3, 64, 64}), x1 = at::rand({B, 3, 64, 64});
  const at::Tensor conds = at::rand({K + 1, B, 7}) * 2 - 1;
  const at::Tensor noise0 = at::randn({2, B, 8}), noise1 = at::randn({K + 1, B, 8});
  auto run = [&](SvgModel& m, c10::Device d) {
    State s = m.step(x0.to(d), conds[0].to(d), conds.narrow(0, 0, 1).to(d), m.init_state(B), true,
                     noise0.to(d))
                  .second;
    return m.step(x1.to(d), conds[0].to(d), conds.narrow(0, 1, K).to(d), s, false, noise1.to(d))
        .first;
  };
  const at::Tensor want = run(cpu, c10::kCPU);
  const at::Tensor got = run(gpu, c10::Device(c10::kCUDA));
  ASSERT_EQ(got.sizes(), want.sizes());
  const double err = relative_error(want, got);
  RecordProperty("relative_error", std::to_string(err));
  EXPECT_LT(err, 1e-4) << "a " << K << "-step rollout differs between CPU and CUDA";
}

class CudaLoss : public ::testing::TestWithParam<bool> {};

TEST_P(CudaLoss, LossAndGradientsMatchTheCpu) {
  SKIP_WITHOUT_CUDA();
  Float32MathGuard f32;  // these bounds are for float32 math, not TF32
  auto [cpu, gpu] = twin_models();
  const bool forced = GetParam();
  const int64_t T = 6, B = 4;
  at::manual_seed(3);
  const at::Tensor x = at::rand({T, B, 3, 64, 64});
  const at::Tensor cond = at::rand({T, B, 7}) * 2 - 1;
  const at::Tensor tf = at::full({B}, forced, at::kBool);
  // The same noise on both: drawn from equal CPU generators (the trainer draws it on the GPU).
  at::Generator gen_cpu = at::detail::createCPUGenerator(5);
  at::Generator gen_gpu = at::detail::createCPUGenerator(5);
  const c10::Device cuda(c10::kCUDA);
  SvgLoss want = svg_loss(cpu, x, cond, tf, 1e-3, gen_cpu);
  SvgLoss got = svg_loss(gpu, x.to(cuda), cond.to(cuda), tf, 1e-3, gen_gpu);
  EXPECT_LT(relative_error(want.loss, got.loss), 1e-5);
  EXPECT_LT(relative_error(want.kld, got.kld), 1e-4);
  want.loss.backward();
  got.loss.backward();
  const auto pc = cpu.parameters(), pg = gpu.parameters();
  ASSERT_EQ(pc.size(), pg.size());
  double worst = 0;
  for (size_t i = 0; i < pc.size(); ++i) {
    ASSERT_TRUE(pc[i].grad().defined() && pg[i].grad().defined()) << "parameter " << i;
    const double err = relative_error(pc[i].grad(), pg[i].grad());
    worst = std::max(worst, err);
    EXPECT_LT(err, 1e-3) << "gradient of parameter " << i << " " << pc[i].sizes();
  }
  RecordProperty("worst_gradient_relative_error", std::to_string(worst));
}

INSTANTIATE_TEST_SUITE_P(TeacherForcing, CudaLoss, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "Forced" : "FedBack"; });

// CPU -> GPU -> CPU: each resume puts Adam's moments on the new device (were they left on the
// saving device, the first optimiser step would throw on mixed devices) and the run goes on.
TEST(Cuda, ARunResumesAcrossDevices) {
  SKIP_WITHOUT_CUDA();
  TrainConfig c = testing::toy_train_config("cuda-resume");
  c.device = DeviceChoice::kCpu;
  train(c, std::nullopt);
  const fs::path run = c.out;
  TrainConfig more = c;
  more.device = DeviceChoice::kCuda;
  more.epochs = 2;
  EXPECT_NO_THROW(train(more, run));
  more.device = DeviceChoice::kCpu;
  more.epochs = 3;
  EXPECT_NO_THROW(train(more, run));
  auto [ckpt, model] = load_checkpoint(run / kLastCheckpoint);
  EXPECT_EQ(ckpt.epoch, 3);
  EXPECT_EQ(ckpt.iteration, 6);
  EXPECT_TRUE(std::isfinite(ckpt.val_psnr));
  for (const auto& p : model.parameters()) EXPECT_TRUE(p.device().is_cpu());
}

}  // namespace
}  // namespace foresight

// Training and evaluation throughput of the paper presets, in sequences per second, on the CPU and
// on CUDA when this LibTorch has it: SVG (g 128, z 64, rnn 256, full VGG widths, batch 12,
// n_past 2 + n_future 10) and the pose CVAE (F 128, L 32, N 12, D_out 192, 32x64 frames, batch 8,
// clips of 16 frames). Random frames: speed does not depend on the pixels.
//   FORESIGHT_THREADS=2 build/bench/bench_training
//   build/bench/bench_training --export-model svg.pt        (the benchmarked SVG, for eager_svg.py)
//   build/bench/bench_training --export-pose-model pose.pt  (the pose CVAE, for eager_pose.py)
#include <ATen/ATen.h>
#include <benchmark/benchmark.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/cuda.h>
#include <torch/optim/adam.h>

#include <optional>

#include "bench_support.hpp"
#include "common/model/cpu_packing.hpp"
#include "common/util/allocator.hpp"
#include "common/util/torch_compat.hpp"
#include "trainer/config/train_config.hpp"
#include "trainer/export/exporter.hpp"
#include "trainer/train/pose_objective.hpp"
#include "trainer/train/svg_objective.hpp"

namespace foresight {
namespace {

constexpr int64_t kBatch = 12, kFrames = 12;

SvgModel paper_model(const c10::Device& device) {
  at::manual_seed(1);
  SvgConfig c;
  c.learned_prior = true;
  SvgModel m = SvgModel::create(c);
  m.to(device);
  return m;
}

PoseModel paper_pose_model(const c10::Device& device) {
  at::manual_seed(1);
  PoseModel m = PoseModel::create(preset_config("paper", ModelFamily::kPose).pose_config());
  m.module().to(device);
  return m;
}

c10::Device device_of(int64_t index) {
  return index == 0 ? c10::Device(c10::kCPU) : c10::Device(c10::kCUDA);
}

// One SVG training iteration as the trainer runs it; bf16: the forward under autocast, as
// --precision bf16 (trainer.cpp).
void svg_train_iterations(benchmark::State& state, const c10::Device& device, bool forced,
                          bool optimised_graphs, bool bf16) {
  bench::configure_threads();
  if (device.is_cuda() && !torch::cuda::is_available()) {
    state.SkipWithError("no CUDA device");
    return;
  }
  SvgModel model = paper_model(device);
  model.train(true);
  torch::optim::Adam adam(model.parameters(), torch::optim::AdamOptions(0.002));
  auto x = at::rand({kFrames, kBatch, 3, 64, 64}).to(device);
  auto c = at::rand({kFrames, kBatch, 7}).to(device);
  auto tf = at::full({kBatch}, forced, at::kBool);
  // As the trainer draws it: noise on the model's device, cuDNN's algorithms picked once.
  at::Generator gen = at::detail::createCPUGenerator(1);
  if (device.is_cuda()) {
    gen = at::globalContext().defaultGenerator(device);
    at::globalContext().setBenchmarkCuDNN(true);
  }
  // As the trainer runs it (trainer.cpp): scripted methods without the executor's optimised
  // graphs; argument 2 = 1 measures LibTorch's default (profiling, then optimised graphs).
  torch::jit::GraphOptimizerEnabledGuard graphs(optimised_graphs);
  auto iteration = [&] {
    std::optional<AutocastGuard> amp;
    if (bf16) amp.emplace(device.type(), at::kBFloat16);
    SvgLoss l = svg_loss(model, x, c, tf, 1e-4, gen);
    amp.reset();
    adam.zero_grad();
    l.loss.backward();
    adam.step();
    benchmark::DoNotOptimize(l.loss.item<float>());
  };
  iteration();  // warm-up: first-call allocations and graph preparation
  for (auto _ : state) iteration();
  state.counters["sequences_per_s"] =
      benchmark::Counter(kBatch, benchmark::Counter::kIsIterationInvariantRate);
}
void BM_TrainIteration(benchmark::State& state) {
  svg_train_iterations(state, device_of(state.range(0)), state.range(1) != 0, state.range(2) != 0,
                       /*bf16=*/false);
}
// Args: device (0 cpu, 1 cuda), teacher forced (1) or feeding back predictions (0), the
// executor's optimised graphs (0: off, as the trainer; 1: LibTorch's default).
BENCHMARK(BM_TrainIteration)
    ->Args({0, 1, 0})
    ->Args({0, 0, 0})
    ->Args({0, 1, 1})
    ->Args({1, 1, 0})
    ->Args({1, 0, 0})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(10);

// --precision bf16: teacher-forced, plain graphs. Arg: device (0 cpu, 1 cuda).
void BM_TrainIterationBf16(benchmark::State& state) {
  svg_train_iterations(state, device_of(state.range(0)), true, false, /*bf16=*/true);
}
BENCHMARK(BM_TrainIterationBf16)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->MinTime(10);

// One pose training iteration as the trainer runs it at the start of the paper schedule:
// teacher-forced clips of 16 frames, 15 predicted steps each (pose_objective.cpp).
void pose_train_iterations(benchmark::State& state, const c10::Device& device, bool bf16) {
  bench::configure_threads();
  if (device.is_cuda() && !torch::cuda::is_available()) {
    state.SkipWithError("no CUDA device");
    return;
  }
  const TrainConfig cfg = preset_config("paper", ModelFamily::kPose);
  PoseModel model = paper_pose_model(device);
  model.train(true);
  torch::optim::Adam adam(model.parameters(), torch::optim::AdamOptions(cfg.lr));
  const int64_t T = cfg.video_len, B = cfg.batch_size;
  auto frames = at::rand({T, B, 3, cfg.frame_height, cfg.frame_width}).to(device);
  auto labels = at::rand({T, B, 3, cfg.frame_height, cfg.frame_width}).to(device);
  auto tf = at::ones({B}, at::kBool);
  at::Generator gen = at::detail::createCPUGenerator(1);
  if (device.is_cuda()) {
    gen = at::globalContext().defaultGenerator(device);
    at::globalContext().setBenchmarkCuDNN(true);
  }
  torch::jit::GraphOptimizerEnabledGuard graphs(false);  // as the trainer runs it
  auto iteration = [&] {
    std::optional<AutocastGuard> amp;
    if (bf16) amp.emplace(device.type(), at::kBFloat16);
    PoseLoss l = pose_loss(model, frames, labels, tf, cfg.beta, gen);
    amp.reset();
    adam.zero_grad();
    l.loss.backward();
    adam.step();
    benchmark::DoNotOptimize(l.loss.item<float>());
  };
  iteration();
  for (auto _ : state) iteration();
  state.counters["sequences_per_s"] =
      benchmark::Counter(static_cast<double>(B), benchmark::Counter::kIsIterationInvariantRate);
}
void BM_PoseTrainIteration(benchmark::State& state) {
  pose_train_iterations(state, device_of(state.range(0)), /*bf16=*/false);
}
// 30 s: an iteration takes 7-10 s on the 2-core VM, and 10 s measured one or two of them (0.78
// to 1.06 seq/s from one run to the next).
BENCHMARK(BM_PoseTrainIteration)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->MinTime(30);

// --precision bf16. Arg: device (0 cpu, 1 cuda).
void BM_PoseTrainIterationBf16(benchmark::State& state) {
  pose_train_iterations(state, device_of(state.range(0)), /*bf16=*/true);
}
BENCHMARK(BM_PoseTrainIterationBf16)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->MinTime(10);

void BM_Evaluate(benchmark::State& state) {
  bench::configure_threads();
  const c10::Device device = device_of(state.range(0));
  if (device.is_cuda() && !torch::cuda::is_available()) {
    state.SkipWithError("no CUDA device");
    return;
  }
  SvgModel model = paper_model(device);
  model.train(false);
  // What evaluate() runs on the CPU: a copy with prepacked weights (cpu_packing.hpp); second
  // argument 0: the plain module, for comparison.
  if (state.range(1) != 0 && prepare_for_cpu(model.module()) == false && device.is_cpu()) {
    state.SkipWithError("this LibTorch cannot prepack weights");
    return;
  }
  c10::InferenceMode guard;
  auto x = at::rand({2, kBatch, 3, 64, 64}).to(device);
  auto c = at::rand({kFrames, kBatch, 7}).to(device);
  for (auto _ : state) {
    // What evaluate() does per batch: observe 2 frames, roll out 10.
    auto s = model.init_state(kBatch);
    s = model.step(x[0], c[0], c.narrow(0, 0, 1), s, true, at::randn({2, kBatch, 64}).to(device))
            .second;
    auto out = model.step(x[1], c[0], c.narrow(0, 1, 10), s, false,
                          at::randn({11, kBatch, 64}).to(device));
    benchmark::DoNotOptimize(out.first.sum().item<float>());
  }
  state.counters["sequences_per_s"] =
      benchmark::Counter(kBatch, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Evaluate)
    ->Args({0, 1})
    ->Args({0, 0})
    ->Args({1, 0})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(5);

}  // namespace
}  // namespace foresight

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--export-model") {
    // The very network the training benchmark runs, for the eager loop beside it (vs_eager.py).
    foresight::SvgModel model = foresight::paper_model(c10::kCPU);
    foresight::Checkpoint ckpt;
    ckpt.model_config = model.config();
    foresight::export_model(model, foresight::make_metadata(ckpt, model), argv[2]);
    return 0;
  }
  if (argc == 3 && std::string(argv[1]) == "--export-pose-model") {
    foresight::PoseModel model = foresight::paper_pose_model(c10::kCPU);
    foresight::export_model(model, foresight::make_pose_metadata(model, 0.0, "bench"), argv[2]);
    return 0;
  }
  foresight::keep_tensor_memory_in_the_heap();  // as foresight's main does
  foresight::use_huge_pages_for_large_tensors();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

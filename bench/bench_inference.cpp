// Edge inference at batch 1 with the full-size SVG model (g 128, z 64, rnn 256, VGG widths
// 64..512): one `step` (observe a frame, predict the next) through the lite interpreter (.ptl)
// and the full TorchScript runtime (.pt), beside the arithmetic it needs and this machine's
// measured GEMM and convolution throughput (the roofline).
//   FORESIGHT_THREADS=2 build/bench/bench_inference --benchmark_repetitions=1
#include <ATen/ATen.h>
#include <benchmark/benchmark.h>
#include <c10/core/InferenceMode.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <memory>

#include "bench_support.hpp"
#include "common/util/mac_counter.hpp"
#include "edge/runtime/predictor.hpp"
#include "trainer/config/train_config.hpp"
#include "trainer/export/exporter.hpp"

namespace foresight {
namespace {
namespace fs = std::filesystem;

SvgConfig full_size() {
  SvgConfig c;  // the paper preset
  c.learned_prior = true;
  return c;
}

// Exports the full-size model once (random weights: speed does not depend on their values).
const fs::path& exported(const std::string& ext) {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / "foresight-bench";
    fs::create_directories(d);
    at::manual_seed(1);
    SvgModel model = SvgModel::create(full_size());
    Checkpoint ckpt;
    ckpt.model_config = model.config();
    ModelMetadata meta = make_metadata(ckpt, model);
    export_model(model, meta, d / "svg.ptl");
    export_model(model, meta, d / "svg.pt");
    return d;
  }();
  static fs::path ptl = dir / "svg.ptl", pt = dir / "svg.pt";
  return ext == ".ptl" ? ptl : pt;
}

// Loads `file` as the edge does, or with plain convolutions (FORESIGHT_WEIGHT_PACKING=off,
// cpu_packing.hpp) when `packed` is false.
std::unique_ptr<Predictor> load(const fs::path& file, bool packed) {
  if (!packed) setenv("FORESIGHT_WEIGHT_PACKING", "off", 1);
  auto predictor = load_predictor(file);
  unsetenv("FORESIGHT_WEIGHT_PACKING");
  return predictor;
}

void BM_EdgeStep(benchmark::State& state, const std::string& ext, bool packed) {
  bench::configure_threads();
  auto predictor = load(exported(ext), packed);
  const SvgConfig c = full_size();
  auto x = at::rand({1, 3, 64, 64});
  auto cond = at::rand({1, 7});
  auto conds = at::rand({1, 1, 7});
  auto observed = [&](Predictor& p) {
    return p.step(x, cond, conds, p.init_state(1), true, at::randn({2, 1, c.z_dim})).second;
  };
  auto s = observed(*predictor);
  for (int i = 0; i < 3; ++i) {  // warm-up: the full runtime profiles its first runs
    predictor->step(x, cond, conds, s, false, at::randn({2, 1, c.z_dim}));
  }
  // The arithmetic of this step, read off the operators the lite runtime dispatches with plain
  // convolutions (the counter sees ATen's convolution, not oneDNN's prepacked or frozen ones).
  static const double flops = [&] {
    auto plain = load(exported(".ptl"), false);
    auto s0 = observed(*plain);
    return 2.0 * count_macs([&] {
             plain->step(x, cond, conds, s0, false, at::randn({2, 1, c.z_dim}));
           });
  }();
  std::vector<double> lat;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    auto out = predictor->step(x, cond, conds, s, false, at::randn({2, 1, c.z_dim}));
    benchmark::DoNotOptimize(out.first.data_ptr());
    lat.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  bench::report_latencies(state, lat);
  state.counters["GFLOP_per_step"] = flops / 1e9;
  state.counters["GFLOP_per_s"] =
      benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}
// One step of the pose CVAE's rollout at batch 1 (the paper preset, 32x64 frames): observe a
// frame, predict the next under its pose image, as foresight-edge and `foresight eval` run it.
const fs::path& exported_pose(const std::string& ext) {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / "foresight-bench";
    fs::create_directories(d);
    at::manual_seed(1);
    PoseModel model = PoseModel::create(preset_config("paper", ModelFamily::kPose).pose_config());
    ModelMetadata meta = make_pose_metadata(model, 0.0, "bench");
    export_model(model, meta, d / "pose.ptl");
    export_model(model, meta, d / "pose.pt");
    return d;
  }();
  static fs::path ptl = dir / "pose.ptl", pt = dir / "pose.pt";
  return ext == ".ptl" ? ptl : pt;
}

void BM_PoseStep(benchmark::State& state, const std::string& ext, bool packed) {
  bench::configure_threads();
  auto predictor = load(exported_pose(ext), packed);
  const PoseConfig c = preset_config("paper", ModelFamily::kPose).pose_config();
  const int64_t pixels = int64_t{c.height} * c.width;
  auto s = predictor->init_state(1);
  auto x = at::rand({1, 3, c.height, c.width});
  auto label = at::rand({1, 3 * pixels});
  auto labels = at::rand({1, 1, 3 * pixels});
  auto noise = [&] { return at::randn({2, 1, c.n_dim * pixels}); };
  for (int i = 0; i < 3; ++i) predictor->step(x, label, labels, s, false, noise());
  std::vector<double> lat;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    auto out = predictor->step(x, label, labels, s, false, noise());
    benchmark::DoNotOptimize(out.first.data_ptr());
    lat.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  bench::report_latencies(state, lat);
}
BENCHMARK_CAPTURE(BM_PoseStep, lite_ptl, std::string(".ptl"), true)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(3);
BENCHMARK_CAPTURE(BM_PoseStep, full_pt, std::string(".pt"), true)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(3);
// Without prepacked weights, as before 2026-12-07 (see BM_EdgeStep's plain variants).
BENCHMARK_CAPTURE(BM_PoseStep, lite_ptl_plain, std::string(".ptl"), false)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(3);
BENCHMARK_CAPTURE(BM_PoseStep, full_pt_frozen, std::string(".pt"), false)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(3);

BENCHMARK_CAPTURE(BM_EdgeStep, lite_ptl, std::string(".ptl"), true)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(5);
BENCHMARK_CAPTURE(BM_EdgeStep, full_pt, std::string(".pt"), true)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(5);
// The same without prepacked weights: the lite runtime runs the file as exported, the full one
// freezes it (inference_graphs.hpp), as before 2026-12-07.
BENCHMARK_CAPTURE(BM_EdgeStep, lite_ptl_plain, std::string(".ptl"), false)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(5);
BENCHMARK_CAPTURE(BM_EdgeStep, full_pt_frozen, std::string(".pt"), false)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(5);

// The roofline's ceiling: fp32 GEMM and a typical VGG 3x3 convolution at batch 1 and batch 16.
void BM_Gemm(benchmark::State& state) {
  bench::configure_threads();
  c10::InferenceMode guard;
  const int64_t n = state.range(0);
  auto a = at::rand({n, n}), b = at::rand({n, n});
  for (auto _ : state) benchmark::DoNotOptimize(at::mm(a, b).data_ptr());
}
BENCHMARK(BM_Gemm)->Arg(1024)->Unit(benchmark::kMillisecond);

void BM_Conv3x3(benchmark::State& state) {
  bench::configure_threads();
  c10::InferenceMode guard;
  const int64_t batch = state.range(0), ch = state.range(1), res = state.range(2);
  auto x = at::rand({batch, ch, res, res}), w = at::rand({ch, ch, 3, 3}), b = at::rand({ch});
  for (auto _ : state) benchmark::DoNotOptimize(at::conv2d(x, w, b, 1, 1).data_ptr());
  state.counters["GFLOP_per_s"] = benchmark::Counter(2.0 * batch * res * res * ch * ch * 9 / 1e9,
                                                     benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Conv3x3)
    ->Args({1, 64, 64})
    ->Args({1, 256, 16})
    ->Args({1, 512, 8})
    ->Args({16, 256, 16})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace foresight

int main(int argc, char** argv) {
  // The predictors log at load (spdlog, stdout); --benchmark_format=json must stay parseable.
  spdlog::set_level(spdlog::level::warn);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

// Cross-architecture parity of the edge runtime. The x86-64 build writes a small exported model,
// five steps of inputs and its own outputs; the aarch64 build (under qemu) loads the same .ptl,
// replays the inputs and compares. Expected values are computed by the x86-64 binary, never
// stored in the repository.
//   parity_probe export DIR   (x86-64: DIR/model.ptl, DIR/inputs.bin, DIR/reference.bin)
//   parity_probe check DIR    (any build: exit 0 when within 1e-4, 1 otherwise)
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/model/model_file.hpp"
#include "common/model/svg_model.hpp"
#include "edge/runtime/predictor.hpp"

namespace fs = std::filesystem;
using namespace foresight;

namespace {

constexpr int kSteps = 5;
constexpr double kTolerance = 1e-4;

// Inputs from an explicit LCG, so they do not depend on any library's random generator.
std::vector<float> lcg_floats(size_t n, uint32_t seed, float scale, float offset) {
  std::vector<float> v(n);
  uint32_t s = seed;
  for (float& x : v) {
    s = s * 1664525u + 1013904223u;
    x = offset + scale * static_cast<float>(s >> 8) / static_cast<float>(1u << 24);
  }
  return v;
}

at::Tensor from(const std::vector<float>& v, at::IntArrayRef shape) {
  return at::from_blob(const_cast<float*>(v.data()), shape, at::kFloat).clone();
}

void write_floats(const fs::path& path, const std::vector<at::Tensor>& tensors) {
  std::ofstream out(path, std::ios::binary);
  for (const at::Tensor& t : tensors) {
    const at::Tensor c = t.contiguous();
    out.write(reinterpret_cast<const char*>(c.data_ptr<float>()), c.numel() * sizeof(float));
  }
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::vector<float> read_floats(const fs::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in)
    throw std::runtime_error("cannot read " + path.string() + " (run `parity_probe export` first)");
  std::vector<float> v(static_cast<size_t>(in.tellg()) / sizeof(float));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(v.data()), v.size() * sizeof(float));
  return v;
}

struct StepInputs {
  at::Tensor x, cond_prev, conds, noise;
};

// Runs the five steps on `predictor`, carrying the state; returns each step's prediction.
std::vector<at::Tensor> run(Predictor& predictor, const std::vector<StepInputs>& inputs,
                            double* ms_per_step = nullptr) {
  RecurrentState state = predictor.init_state(1);
  std::vector<at::Tensor> out;
  const auto t0 = std::chrono::steady_clock::now();
  for (int t = 0; t < kSteps; ++t) {
    const StepInputs& in = inputs[t];
    auto [pred, next] = predictor.step(in.x, in.cond_prev, in.conds, state, t == 0, in.noise);
    out.push_back(pred);
    state = next;
  }
  if (ms_per_step) {
    *ms_per_step =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() /
        kSteps;
  }
  return out;
}

std::vector<StepInputs> make_inputs(const ModelMetadata& m) {
  const int64_t H = m.image_size, C = m.condition_dim(), Z = m.z_dim;
  std::vector<StepInputs> v;
  for (int t = 0; t < kSteps; ++t) {
    StepInputs in;
    in.x = from(lcg_floats(3 * H * H, 10 + t, 1.f, 0.f), {1, 3, H, H});
    in.cond_prev = from(lcg_floats(C, 20 + t, 2.f, -1.f), {1, C});
    in.conds = from(lcg_floats(C, 30 + t, 2.f, -1.f), {1, 1, C});
    in.noise = from(lcg_floats(2 * Z, 40 + t, 2.f, -1.f), {2, 1, Z});
    v.push_back(in);
  }
  return v;
}

int export_reference(const fs::path& dir) {
  fs::create_directories(dir);
  SvgConfig c;  // small, but every part of the SVG step (VGG skips, LSTMs, learned prior)
  c.width = 0.125;
  c.g_dim = 32;
  c.z_dim = 8;
  c.rnn_size = 32;
  c.learned_prior = true;
  at::manual_seed(7);
  SvgModel model = SvgModel::create(c);
  export_model_file(model.module(), svg_model_metadata(c), dir / "model.ptl");
  auto predictor = load_predictor(dir / "model.ptl");
  const auto inputs = make_inputs(predictor->metadata());
  std::vector<at::Tensor> flat;
  for (const auto& in : inputs) flat.insert(flat.end(), {in.x, in.cond_prev, in.conds, in.noise});
  write_floats(dir / "inputs.bin", flat);  // the inputs, as this build saw them
  write_floats(dir / "reference.bin", run(*predictor, inputs));
  std::printf("parity_probe: wrote %s/{model.ptl,inputs.bin,reference.bin}\n", dir.c_str());
  return 0;
}

int check(const fs::path& dir) {
  auto predictor = load_predictor(dir / "model.ptl");
  auto inputs = make_inputs(predictor->metadata());
  // Replace the generated inputs by the reference build's bytes (identical unless float
  // conversion differed, in which case the recorded ones are the truth).
  const std::vector<float> recorded = read_floats(dir / "inputs.bin");
  size_t at = 0;
  for (auto& in : inputs) {
    for (at::Tensor* t : {&in.x, &in.cond_prev, &in.conds, &in.noise}) {
      if (at + t->numel() > recorded.size()) throw std::runtime_error("inputs.bin is too short");
      *t = from(std::vector<float>(recorded.begin() + at, recorded.begin() + at + t->numel()),
                t->sizes());
      at += t->numel();
    }
  }
  double ms = 0;
  const auto got = run(*predictor, inputs, &ms);
  const std::vector<float> reference = read_floats(dir / "reference.bin");
  size_t offset = 0;
  double worst = 0;
  for (int t = 0; t < kSteps; ++t) {
    const at::Tensor g = got[t].contiguous();
    if (offset + g.numel() > reference.size())
      throw std::runtime_error("reference.bin is too short");
    const at::Tensor want =
        from(std::vector<float>(reference.begin() + offset, reference.begin() + offset + g.numel()),
             g.sizes());
    offset += g.numel();
    const double diff = (g - want).abs().max().item<double>();
    worst = std::max(worst, diff);
    std::printf("step %d: max |difference| %.3g\n", t + 1, diff);
  }
  std::printf("parity_probe: %d steps, %.1f ms/step, max |difference| %.3g (tolerance %.0e): %s\n",
              kSteps, ms, worst, kTolerance, worst <= kTolerance ? "match" : "MISMATCH");
  return worst <= kTolerance ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (std::string(argv[1]) != "export" && std::string(argv[1]) != "check")) {
    std::fprintf(stderr, "usage: parity_probe export|check DIR\n");
    return 2;
  }
  try {
    at::set_num_threads(1);
    return std::string(argv[1]) == "export" ? export_reference(argv[2]) : check(argv[2]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parity_probe: error: %s\n", e.what());
    return 1;
  }
}

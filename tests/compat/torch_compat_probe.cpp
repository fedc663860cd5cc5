// Cross-version loading: what one LibTorch writes (a training checkpoint, a .pt, a .ptl), another
// reads, and the loaded model computes the same thing. tools/test_libtorch2.sh runs it both ways
// between Debian 12's LibTorch 1.13 and Debian 13's 2.6. Expected values are computed by the
// writing build, never stored in the repository.
//   torch_compat_probe write DIR   DIR/{probe.ckpt,model.pt,model.ptl,inputs.bin,reference.bin,
//                                  adam.bin,torch_version.txt}
//   torch_compat_probe read DIR    one line per file; exit 0 when every file loads and agrees
//                                  within 1e-5, or fails only where a failure is known and
//                                  documented (a .ptl from a newer LibTorch); 1 otherwise
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/optim/adam.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "common/model/model_file.hpp"
#include "common/model/svg_model.hpp"
#include "common/util/torch_compat.hpp"
#include "edge/runtime/predictor.hpp"
#include "trainer/checkpoint/checkpoint.hpp"
#include "trainer/train/optimizer_state.hpp"

namespace fs = std::filesystem;
using namespace foresight;

namespace {

constexpr int kSteps = 3;
constexpr double kTolerance = 1e-5;

SvgConfig probe_config() {
  SvgConfig c;  // small, but every part of the SVG step (VGG skips, LSTMs, learned prior)
  c.width = 0.125;
  c.g_dim = 32;
  c.z_dim = 8;
  c.rnn_size = 32;
  c.learned_prior = true;
  return c;
}

void write_floats(const fs::path& path, const std::vector<at::Tensor>& tensors) {
  std::ofstream out(path, std::ios::binary);
  for (const at::Tensor& t : tensors) {
    const at::Tensor c = t.to(at::kFloat).contiguous();
    out.write(reinterpret_cast<const char*>(c.data_ptr<float>()), c.numel() * sizeof(float));
  }
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// Fills `tensors` (their shapes say how many numbers each takes) from `path`.
void read_floats(const fs::path& path, std::vector<at::Tensor*> tensors) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string() + " (run `write` first)");
  for (at::Tensor* t : tensors) {
    at::Tensor filled = at::empty(t->sizes(), at::kFloat);
    in.read(reinterpret_cast<char*>(filled.data_ptr<float>()), filled.numel() * sizeof(float));
    if (!in) throw std::runtime_error(path.string() + " is too short");
    *t = filled;
  }
}

struct StepInputs {
  at::Tensor x, cond_prev, conds, noise;
};

std::vector<StepInputs> make_inputs(const ModelMetadata& m) {
  const int64_t H = m.image_size, C = m.condition_dim(), Z = m.z_dim;
  std::vector<StepInputs> v;
  for (int t = 0; t < kSteps; ++t) {
    v.push_back({at::rand({1, 3, H, H}), at::rand({1, C}) * 2 - 1, at::rand({1, 1, C}) * 2 - 1,
                 at::randn({2, 1, Z})});
  }
  return v;
}

std::vector<at::Tensor*> flat(std::vector<StepInputs>& inputs) {
  std::vector<at::Tensor*> out;
  for (auto& in : inputs) out.insert(out.end(), {&in.x, &in.cond_prev, &in.conds, &in.noise});
  return out;
}

using StepFn = std::function<std::pair<at::Tensor, RecurrentState>(
    const StepInputs&, const RecurrentState&, bool first)>;

// Runs the steps, carrying the state; returns the predictions, concatenated.
at::Tensor run(const StepFn& step, RecurrentState state, const std::vector<StepInputs>& inputs) {
  std::vector<at::Tensor> out;
  for (int t = 0; t < kSteps; ++t) {
    auto [pred, next] = step(inputs[t], state, t == 0);
    out.push_back(pred.reshape({-1}));
    state = next;
  }
  return at::cat(out);
}

at::Tensor run_model(SvgModel& model, const std::vector<StepInputs>& inputs) {
  at::NoGradGuard no_grad;
  model.train(false);
  return run(
      [&](const StepInputs& in, const RecurrentState& s, bool first) {
        return model.step(in.x, in.cond_prev, in.conds, s, first, in.noise);
      },
      model.init_state(1), inputs);
}

at::Tensor run_predictor(Predictor& p, const std::vector<StepInputs>& inputs) {
  return run([&](const StepInputs& in, const RecurrentState& s,
                 bool first) { return p.step(in.x, in.cond_prev, in.conds, s, first, in.noise); },
             p.init_state(1), inputs);
}

// Adam's first moment of the model's first parameter (what a resumed run continues from).
at::Tensor first_moment(torch::optim::Adam& adam, const std::vector<at::Tensor>& params) {
  auto* state = optimizer_param_state(adam, params.front());
  if (!state) throw std::runtime_error("Adam has no state for the first parameter");
  return static_cast<torch::optim::AdamParamState&>(*state).exp_avg();
}

int write(const fs::path& dir) {
  fs::create_directories(dir);
  at::manual_seed(7);
  SvgModel model = SvgModel::create(probe_config());
  // One optimiser step, so the checkpoint carries Adam moments that are not zero.
  std::vector<at::Tensor> params = model.parameters();
  torch::optim::Adam adam(params, torch::optim::AdamOptions(1e-3));
  for (at::Tensor& p : params) p.mutable_grad() = at::randn_like(p);
  adam.step();
  Checkpoint ckpt;
  ckpt.epoch = 1;
  ckpt.iteration = 1;
  ckpt.optimizer_state = optimizer_bytes(adam);
  ckpt.rng_state = at::detail::getDefaultCPUGenerator().get_state();
  save_checkpoint(dir / "probe.ckpt", ckpt, model);
  write_floats(dir / "adam.bin", {first_moment(adam, params)});

  const ModelMetadata meta = svg_model_metadata(probe_config());
  export_model_file(model.module(), meta, dir / "model.pt");
  export_model_file(model.module(), meta, dir / "model.ptl");
  std::vector<StepInputs> inputs = make_inputs(meta);
  std::vector<at::Tensor> tensors;
  for (at::Tensor* t : flat(inputs)) tensors.push_back(*t);
  write_floats(dir / "inputs.bin", tensors);
  write_floats(dir / "reference.bin", {run_model(model, inputs)});
  std::ofstream(dir / "torch_version.txt") << torch_version() << "\n";
  std::printf("torch_compat_probe: LibTorch %s wrote %s\n", torch_version().c_str(), dir.c_str());
  return 0;
}

// "1.13.1" < "2.6.0", numerically, field by field.
bool older(const std::string& a, const std::string& b) {
  auto fields = [](const std::string& v) {
    std::vector<int> f;
    std::stringstream ss(v);
    for (std::string part; std::getline(ss, part, '.');) f.push_back(std::atoi(part.c_str()));
    return f;
  };
  return fields(a) < fields(b);
}

int read(const fs::path& dir) {
  std::string writer;
  std::ifstream(dir / "torch_version.txt") >> writer;
  if (writer.empty()) throw std::runtime_error("no " + (dir / "torch_version.txt").string());
  const std::string route = writer + " -> " + torch_version();

  const ModelMetadata meta = svg_model_metadata(probe_config());
  std::vector<StepInputs> inputs = make_inputs(meta);
  read_floats(dir / "inputs.bin", flat(inputs));
  at::Tensor reference =
      at::empty({static_cast<int64_t>(fs::file_size(dir / "reference.bin") / sizeof(float))});
  read_floats(dir / "reference.bin", {&reference});

  int failures = 0;
  // Loads one file and compares its predictions; prints one line.
  auto check = [&](const std::string& what, bool known_to_fail,
                   const std::function<at::Tensor()>& predictions) {
    try {
      const double diff = (predictions() - reference).abs().max().item<double>();
      const bool ok = diff <= kTolerance;
      failures += ok ? 0 : 1;
      std::printf("%-22s %s: loads, max |difference| %.3g (tolerance %.0e): %s\n", what.c_str(),
                  route.c_str(), diff, kTolerance, ok ? "match" : "MISMATCH");
    } catch (const std::exception& e) {
      failures += known_to_fail ? 0 : 1;
      std::printf("%-22s %s: does not load%s: %s\n", what.c_str(), route.c_str(),
                  known_to_fail ? " (known: a newer LibTorch's .ptl)" : "",
                  std::string(e.what()).substr(0, 200).c_str());
    }
  };
  check("checkpoint weights", false, [&] {
    auto [ckpt, model] = load_checkpoint(dir / "probe.ckpt");
    return run_model(model, inputs);
  });
  check("model.pt", false,
        [&] { return run_predictor(*load_predictor(dir / "model.pt"), inputs); });
  check("model.ptl", older(torch_version(), writer),
        [&] { return run_predictor(*load_predictor(dir / "model.ptl"), inputs); });

  // Adam's moments, through the trainer's own restore: it restores them when they fit the
  // parameters and restarts them (with a warning) otherwise, so either is fine here.
  {
    auto [ckpt, model] = load_checkpoint(dir / "probe.ckpt");
    std::vector<at::Tensor> params = model.parameters();
    torch::optim::Adam adam(params, torch::optim::AdamOptions(1e-3));
    restore_optimizer(adam, ckpt.optimizer_state, dir / "probe.ckpt");
    if (optimizer_param_state(adam, params.front())) {
      at::Tensor want = at::empty_like(params.front());
      read_floats(dir / "adam.bin", {&want});
      const double diff = (first_moment(adam, params) - want).abs().max().item<double>();
      failures += diff <= kTolerance ? 0 : 1;
      std::printf("%-22s %s: restored, max |difference| %.3g\n", "checkpoint Adam state",
                  route.c_str(), diff);
    } else {
      std::printf("%-22s %s: not restored (a resumed run restarts Adam's moments)\n",
                  "checkpoint Adam state", route.c_str());
    }
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (std::string(argv[1]) != "write" && std::string(argv[1]) != "read")) {
    std::fprintf(stderr, "usage: torch_compat_probe write|read DIR\n");
    return 2;
  }
  try {
    at::set_num_threads(1);
    return std::string(argv[1]) == "write" ? write(argv[2]) : read(argv[2]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "torch_compat_probe: error: %s\n", e.what());
    return 1;
  }
}

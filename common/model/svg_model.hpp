// The SVG conditional VAE as a scripted module (torch::jit::Module built in C++, methods from
// common/model/script/*.torchscript). The trainer trains this very object and the exporter saves
// it; the edge loads the saved file and calls the same methods (see svg.torchscript).
#pragma once
#include <torch/csrc/jit/api/module.h>

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "common/model/script_module.hpp"
#include "common/model/svg_config.hpp"

namespace foresight {

// Builds a freshly initialised SVG module on the CPU: convolutions N(0, 0.02), BatchNorm weights
// N(1, 0.02) and biases 0 (the reference's init_weights); linear and LSTM layers use PyTorch's
// default uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)). Uses the global torch RNG (seed it first).
// Throws std::invalid_argument on an invalid config.
torch::jit::Module build_svg_module(const SvgConfig& config);

using State = std::vector<at::Tensor>;

// Typed calls into the module's methods (one definition of the math: these just forward).
class SvgModel {
 public:
  SvgModel(torch::jit::Module module, SvgConfig config);
  static SvgModel create(const SvgConfig& config) { return {build_svg_module(config), config}; }

  torch::jit::Module& module() { return module_; }
  const torch::jit::Module& module() const { return module_; }
  const SvgConfig& config() const { return config_; }

  State init_state(int64_t batch);
  std::pair<at::Tensor, std::vector<at::Tensor>> encode(const at::Tensor& x);
  // x_base [B, 3, H, W]: the frame the skips come from, which the composite and flow heads keep
  // or warp (the plain head ignores it); cond [B, C] the condition that led to the predicted
  // frame, cond_base x_base's own condition row (both used by the action head only); z [B, z_dim]
  // the latent sample h was predicted with (read by latent_shift only; undefined: zeros, the
  // fixed prior's mean); see svg.torchscript.
  at::Tensor decode(const at::Tensor& h, const std::vector<at::Tensor>& skips,
                    const at::Tensor& x_base, const at::Tensor& cond, const at::Tensor& cond_base,
                    const at::Tensor& z = {});
  // (mu, logvar, state')
  std::tuple<at::Tensor, at::Tensor, State> posterior(const at::Tensor& h_target, const State& s);
  std::tuple<at::Tensor, at::Tensor, State> prior(const at::Tensor& h_prev, const State& s);
  at::Tensor sample(const at::Tensor& mu, const at::Tensor& logvar, const at::Tensor& noise);
  // (h_pred, state')
  std::pair<at::Tensor, State> predict_step(const at::Tensor& h_prev, const at::Tensor& z,
                                            const at::Tensor& cond, const State& s);
  // (predictions [K, B, 3, H, W], state after observing x_obs); see svg.torchscript.
  std::pair<at::Tensor, State> step(const at::Tensor& x_obs, const at::Tensor& cond_prev,
                                    const at::Tensor& conds, const State& s, bool first,
                                    const at::Tensor& noise);

  std::vector<at::Tensor> parameters() const;
  void train(bool on = true) { module_.train(on); }
  void to(const c10::Device& device) { module_.to(device); }

 private:
  torch::jit::Module module_;
  SvgConfig config_;
};

}  // namespace foresight

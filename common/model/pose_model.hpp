// The pose-conditioned CVAE as a scripted module (torch::jit::Module built in C++, methods from
// common/model/script/pose*.torchscript), the second model family beside SVG. Its `init_state` and
// `step` have SVG's signature, so the edge runs either family through one Predictor interface.
#pragma once
#include <torch/csrc/jit/api/module.h>

#include <tuple>
#include <vector>

#include "common/model/pose_config.hpp"

namespace foresight {

// Builds a freshly initialised pose module on the CPU: conv weights and biases
// uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) (PyTorch's default bound). Uses the global torch RNG
// (seed it first). Throws std::invalid_argument on an invalid config.
torch::jit::Module build_pose_module(const PoseConfig& config);

// Typed calls into the module's methods (they only forward; the math is in pose.torchscript).
class PoseModel {
 public:
  PoseModel(torch::jit::Module module, PoseConfig config);
  static PoseModel create(const PoseConfig& config) { return {build_pose_module(config), config}; }

  torch::jit::Module& module() { return module_; }
  const PoseConfig& config() const { return config_; }

  at::Tensor encode(const at::Tensor& x);  // [B,3,H,W] -> [B,F,H,W]
  // The poses of frames t-1 and t [B,3,H,W] -> [B,L,H,W] (label_prev unused without previous_pose).
  at::Tensor label_encode(const at::Tensor& label_prev, const at::Tensor& label);
  std::pair<at::Tensor, at::Tensor> posterior(const at::Tensor& h_frame, const at::Tensor& h_label);
  // What a rollout keeps of its first frame [B,3,H,W] and that frame's pose image, for the
  // anchor (pose.torchscript's reference): the frame, or with static_background [B,4,H,W].
  at::Tensor reference(const at::Tensor& frame, const at::Tensor& label);
  // The frame after x_prev [B,3,H,W] from its features, the next pose's features, z, the
  // rollout's reference (above) and the next pose image `label` [B,3,H,W] (undefined: a blank
  // pose image; ref undefined: reference(x_prev, label)).
  at::Tensor decode(const at::Tensor& x_prev, const at::Tensor& h_prev, const at::Tensor& h_label,
                    const at::Tensor& z, const at::Tensor& ref = {}, const at::Tensor& label = {});
  // (prediction, mu, logvar) of one step; see pose.torchscript. ref = reference(first frame, its
  // pose image); undefined: reference(x_prev, label_prev) stands in.
  std::tuple<at::Tensor, at::Tensor, at::Tensor> forward(
      const at::Tensor& x_prev, const at::Tensor& x_next, const at::Tensor& label_prev,
      const at::Tensor& label_next, const at::Tensor& noise, const at::Tensor& ref = {});
  // forward from the frames' features h_prev = encode(x_prev), h_next = encode(x_next), for a
  // caller that already has them (pose.torchscript's forward_features).
  std::tuple<at::Tensor, at::Tensor, at::Tensor> forward_features(
      const at::Tensor& x_prev, const at::Tensor& h_prev, const at::Tensor& h_next,
      const at::Tensor& label_prev, const at::Tensor& label_next, const at::Tensor& noise,
      const at::Tensor& ref = {});
  std::vector<at::Tensor> init_state(int64_t batch);
  // The state a rollout from frame x0 [B,3,H,W] with pose image label0 starts with (x0 is its
  // reference frame).
  std::vector<at::Tensor> rollout_state(const at::Tensor& x0, const at::Tensor& label0) {
    return {reference(x0, label0)};
  }
  // (predictions [K,B,3,H,W], state); conds [K,B,3*H*W], noise [K+1,B,N*H*W].
  std::pair<at::Tensor, std::vector<at::Tensor>> step(const at::Tensor& x_obs,
                                                      const at::Tensor& cond_prev,
                                                      const at::Tensor& conds,
                                                      const std::vector<at::Tensor>& state,
                                                      bool first, const at::Tensor& noise);

  std::vector<at::Tensor> parameters() const;
  void train(bool on = true) { module_.train(on); }

 private:
  torch::jit::Module module_;
  PoseConfig config_;
};

}  // namespace foresight

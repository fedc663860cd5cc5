// The pose-conditioned CVAE's shape (feature widths of the seed report by default): everything
// needed to rebuild the scripted module from weights. Stored as JSON in checkpoints and exports.
#pragma once
#include <nlohmann/json_fwd.hpp>

namespace foresight {

struct PoseConfig {
  int height = 32, width = 64;  // frames and pose images
  int f_dim = 128;              // RGB encoder features (F)
  int l_dim = 32;               // label encoder features (L)
  int n_dim = 12;               // latent channels per pixel (N)
  int d_out = 192;              // decoder fusion features (D_out)
  double logvar_min = -10.0, logvar_max = 10.0;
  // The generator's output is a bounded change of the previous frame, clamp(x_prev + tanh(g), 0,
  // 1), so "nothing moves" is the easy answer and a 630-frame rollout does not drift (Foresight's
  // choice, measured in docs/results.md). false: the seed report's plain sigmoid(g).
  bool residual = true;

  // Throws std::invalid_argument naming the field when a value is out of range.
  void validate() const;
};

void to_json(nlohmann::json& j, const PoseConfig& c);
// Missing keys keep their defaults; a wrong type throws nlohmann::json::exception.
void from_json(const nlohmann::json& j, PoseConfig& c);

}  // namespace foresight

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
  // The generator paints RGB and a mask: the output is mask * paint + (1 - mask) * previous frame,
  // so what does not move is copied exactly and a 630-frame rollout does not drift (Foresight's
  // choice, measured in docs/results.md). false: the seed report's plain sigmoid generator.
  bool composite = true;

  // Throws std::invalid_argument naming the field when a value is out of range.
  void validate() const;
};

void to_json(nlohmann::json& j, const PoseConfig& c);
// Missing keys keep their defaults; a wrong type throws nlohmann::json::exception.
void from_json(const nlohmann::json& j, PoseConfig& c);

}  // namespace foresight

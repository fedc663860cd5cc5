// The pose-conditioned CVAE's shape (feature widths of the seed report by default): everything
// needed to rebuild the scripted module from weights. Stored as JSON in checkpoints and exports.
#pragma once
#include <nlohmann/json_fwd.hpp>

#include "common/model/output_head.hpp"

namespace foresight {

struct PoseConfig {
  int height = 32, width = 64;  // frames and pose images
  int f_dim = 128;              // RGB encoder features (F)
  int l_dim = 32;               // label encoder features (L)
  int n_dim = 12;               // latent channels per pixel (N)
  int d_out = 192;              // decoder fusion features (D_out)
  double logvar_min = -10.0, logvar_max = 10.0;
  // The generator's output head (output_head.hpp): composite copies what does not move and
  // keeps a 630-frame rollout from drifting (measured in docs/results.md); plain is the seed
  // report's sigmoid generator.
  DecoderHead decoder = DecoderHead::kComposite;
  // The label encoder also sees the pose image of the previous frame (pose.torchscript). Off by
  // default: it did not beat the seed's conditioning on held-out dancers (docs/results.md).
  bool previous_pose = false;
  // The rollout's first frame (the stream's, on the edge) is a third source of pixels beside the
  // previous frame and new paint: a gate per pixel lays it over the head's frame, so the still
  // background a long rollout has smeared comes back from real pixels (pose_reference.torchscript).
  bool reference_frame = false;
  // A fixed camera's background: wherever the pose images put the dancer neither now nor in the
  // rollout's first frame (further than this many pixels from a drawn pixel), the prediction is
  // the first frame's pixel (pose_static_background.torchscript). 0: off. Not with
  // reference_frame (both are anchors).
  int static_background = 0;
  // With static_background: near the dancer, the rollout's first frame warped by a flow from its
  // pose image to the frame predicted is laid over the head's frame through a gate per pixel, so
  // the dancer's colours come from real pixels however long the rollout
  // (pose_reference_warp.torchscript).
  bool reference_warp = false;

  // Throws std::invalid_argument naming the field when a value is out of range.
  void validate() const;
};

void to_json(nlohmann::json& j, const PoseConfig& c);
// Missing keys keep their defaults, but two: files written before "decoder" existed hold
// "composite": true (composite) or nothing (plain), and files without "previous_pose" or
// "reference_frame" or "reference_warp" were written before them (false), and without
// "static_background" (0). A wrong
// type throws nlohmann::json::exception.
void from_json(const nlohmann::json& j, PoseConfig& c);

}  // namespace foresight

// The SVG network's shape: everything needed to rebuild the scripted module from weights.
// Stored as JSON inside checkpoints and exported models.
#pragma once
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "common/model/output_head.hpp"

namespace foresight {

struct SvgConfig {
  int image_size = 64;  // VGG-64: 4 poolings to 4x4, then a 4x4 conv to a vector
  int channels = 3;
  int cond_dim = 7;  // action (4) ++ end-effector position (3)
  int g_dim = 128;   // encoder output / frame predictor output
  int z_dim = 64;    // latent per step
  int rnn_size = 256;
  int predictor_layers = 2;
  int posterior_layers = 1;
  int prior_layers = 1;
  double width = 1.0;  // multiplies the VGG widths 64/128/256/512 (the tiny preset narrows it)
  bool learned_prior = false;  // SVG-LP when true, SVG-FP (N(0, I)) otherwise
  bool last_frame_skip = false;
  int n_past = 2;  // conditioning frames the model was trained with
  double logvar_min = -10.0;
  double logvar_max = 10.0;
  DecoderHead decoder = DecoderHead::kFlow;  // output head (output_head.hpp)
  // The action layers' displacement also reads the predicted encoding (which carries the latent
  // sample), not only the conditions: for robots that do not go exactly where they are told.
  // Needs the action head; false in files written before it.
  bool latent_motion = false;
  // The displacement reads the latent sample itself instead (action_displacement_shift): nothing
  // between a sample and the move. Needs the action head, excludes latent_motion; false in files
  // written before it.
  bool latent_shift = false;
  // The predictor sees (condition - cond_mean) / cond_std: raw actions are centimetres per frame,
  // ~100x smaller than the encodings beside them, and went unused (docs/results.md). Measured on
  // the training split by the trainer; empty (no scaling) in files written before.
  std::vector<double> cond_mean, cond_std;

  // Channel count of a VGG stage whose full-size width is `base` (64, 128, 256 or 512).
  int channels_for(int base) const;
  // Throws std::invalid_argument naming the field when a value is out of range.
  void validate() const;
};

void to_json(nlohmann::json& j, const SvgConfig& c);
// Missing keys keep their defaults, except a missing "decoder", which means plain (files written
// before the heads existed); a wrong type throws nlohmann::json::exception.
void from_json(const nlohmann::json& j, SvgConfig& c);

}  // namespace foresight

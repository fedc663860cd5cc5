// Multiply-accumulate counts of the SVG network, for rooflines in benchmarks: how much arithmetic
// one edge step (encode the new frame, run the LSTMs, decode the prediction) must do.
#pragma once
#include <cstdint>

#include "common/model/svg_config.hpp"

namespace foresight {

struct SvgMacs {
  int64_t encoder = 0;  // one 64x64 frame
  int64_t decoder = 0;  // one frame
  int64_t lstms = 0;    // predictor + posterior + prior, one step, batch 1
  // One edge step predicting one frame: encode the observed frame, posterior, prior and predictor
  // updates, a prior + predictor fork, decode.
  int64_t edge_step() const { return encoder + decoder + 2 * lstms; }
};

// Counts convolution and linear MACs (BatchNorm, activations and pooling are ignored: they are
// memory-bound and small).
SvgMacs count_svg_macs(const SvgConfig& config);

}  // namespace foresight

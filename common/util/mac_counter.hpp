// Counts the multiply-accumulates a piece of code really does, by watching the ATen operators it
// dispatches (RecordFunction callbacks on this thread): whatever module runs (SVG or pose, the
// trainer's or an exported one, full or lite runtime), its arithmetic is read off the operators'
// shapes instead of a second, hand-typed copy of the layer table.
//
// Counted: convolutions (plain, grouped, transposed), linear layers, matrix products and LSTM
// cells; an operator called inside a counted one (conv2d -> _convolution) is not counted again.
// Element-wise work (BatchNorm, activations, sampling, pooling) is left out: it is memory-bound and
// small beside the convolutions, and the count is meant for rooflines.
#pragma once
#include <cstdint>
#include <functional>

namespace foresight {

// Runs `work` on this thread and returns the MACs of the operators it dispatched.
int64_t count_macs(const std::function<void()>& work);

}  // namespace foresight

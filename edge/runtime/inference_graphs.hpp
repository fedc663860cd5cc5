// The full runtime's graphs, optimised once at load for inference on the CPU: the module is
// frozen (weights and attributes become constants; BatchNorm folds into the convolutions it
// follows; `training` is false for good), then the convolutions of `step` and `observe` keep their
// activations in oneDNN's blocked layout from one layer to the next instead of converting at every
// layer (LibTorch's ConvertFrozenOpsToMKLDNN; SVG models: the pose step's convolutions sit in its
// rollout loop, which the pass leaves as it is). Measured: docs/performance.md. Predictions stay
// within the parity tests' 1e-5 of the trainer's module (float rounding of the folded weights).
//
// Done at load, not at export: a frozen oneDNN graph does not serialise, and the exported .pt
// stays the trainer's module, readable by other tools (bench/eager_svg.py reads its weights).
#pragma once
#include <torch/csrc/jit/api/module.h>

namespace foresight {

// A frozen, optimised copy of `module` (an exported SVG or pose model, in eval mode), keeping
// the methods the edge calls (init_state, step, observe where present).
torch::jit::Module optimize_for_cpu_inference(const torch::jit::Module& module);

}  // namespace foresight

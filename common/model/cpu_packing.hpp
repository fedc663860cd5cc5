// Prepacked convolution weights for CPU inference (common/model/script/conv_packing.torchscript).
//
// At batch 1 a plain conv2d call reorders its weights into oneDNN's blocked layout every time:
// for the full-size SVG step that is ~90 MB read and written again per step. A model in eval mode
// whose weights no longer change can pack them once (BatchNorm folded in) with its
// `prepare_for_cpu(batch)` method; the edge does at load and `foresight eval` on a copy.
// Measured: docs/performance.md.
#pragma once
#include <torch/csrc/jit/api/module.h>

#include <string>

namespace foresight {

// Whether to pack here: LibTorch has oneDNN, it is not switched off (torch_compat.hpp:
// use_safe_cpu_kernels), and FORESIGHT_WEIGHT_PACKING is not `off`.
bool cpu_weight_packing_wanted();

// Whether models built in this process get the packing methods: this LibTorch has oneDNN's
// prepacked convolution and FORESIGHT_WEIGHT_PACKING is not `off` (set it when exporting to a
// LibTorch without oneDNN: a model naming those operators does not load there).
bool cpu_weight_packing_compiled();

// Gives a convolution module its packing: the `is_packed` flag and, where
// cpu_weight_packing_compiled(), the `packed` context and `packing_script`'s pack and run_packed
// (conv_packing for SVG's conv_layer, pose_conv_packing for pose_conv); elsewhere a `pack` that
// returns false. Call before defining the convolution's forward.
void register_conv_packing(torch::jit::Module& conv,
                           const std::string& packing_script = "conv_packing");

// Calls `module`'s prepare_for_cpu(batch) when it has one and packing is wanted; the module must
// be in eval mode on the CPU and its weights must not change afterwards. Returns whether the
// weights were packed.
bool prepare_for_cpu(torch::jit::Module& module, int64_t batch = 1);

// For evaluating a module whose weights training will change again: a copy with its weights
// packed (prepare_for_cpu) when it is on the CPU and packing is wanted, else `module` itself.
// `module` must be in eval mode.
torch::jit::Module packed_copy_for_cpu(const torch::jit::Module& module);

}  // namespace foresight

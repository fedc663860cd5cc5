// Training mode of a scripted model with --batchnorm frozen, and its buffers, for the training
// loop (both families) and the data-parallel broadcasts.
#pragma once
#include <ATen/core/Tensor.h>
#include <torch/csrc/jit/api/module.h>

#include <vector>

namespace foresight {

// module.train(on), then, when freeze_batchnorm, every BatchNorm layer (a submodule holding
// running_mean) back in eval mode: it normalises with its running statistics and leaves them.
void set_training_mode(torch::jit::Module& module, bool on, bool freeze_batchnorm);

// The module's buffers (BatchNorm running statistics, ...) in a fixed order.
std::vector<at::Tensor> module_buffers(const torch::jit::Module& module);

}  // namespace foresight

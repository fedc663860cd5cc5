// What the scripted models' builders share (svg_model, pose_model, output_head): the embedded
// TorchScript sources, an empty module of a named type, PyTorch's default uniform initialiser and
// the activation codes the convolution scripts switch on.
#pragma once
#include <torch/csrc/jit/api/module.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace foresight {

// The `activation` attribute of the convolution modules (activation.torchscript). The scripts
// name these codes ACTIVATION_NONE, ACTIVATION_LEAKY_RELU, ...; model_script() puts the numbers
// in. Values are stored in checkpoints and exports: never renumber.
enum Activation : int64_t { kNone = 0, kLeakyRelu = 1, kTanh = 2, kSigmoid = 3 };

// The embedded TorchScript source `name` (file stem under model/script/), ready to define():
// the ACTIVATION_* names replaced by their codes.
std::string model_script(const std::string& name);

// The source as embedded, names unreplaced (generated from model/script/ at build time).
std::string embedded_script(const std::string& name);

// An empty module of type __torch__.foresight.<type> in `cu`, with its `training` flag.
torch::jit::Module make_script_module(const std::shared_ptr<torch::jit::CompilationUnit>& cu,
                                      const std::string& type);

// U(-1/sqrt(fan_in), 1/sqrt(fan_in)): torch.nn's default for biases, linear and LSTM weights.
at::Tensor uniform_init(const std::vector<int64_t>& shape, int64_t fan_in);

}  // namespace foresight

#include "trainer/train/batchnorm_mode.hpp"

namespace foresight {

void set_training_mode(torch::jit::Module& module, bool on, bool freeze_batchnorm) {
  module.train(on);
  if (!on || !freeze_batchnorm) return;
  for (torch::jit::Module m : module.modules()) {
    if (m.hasattr("running_mean")) m.train(false);
  }
}

std::vector<at::Tensor> module_buffers(const torch::jit::Module& module) {
  std::vector<at::Tensor> out;
  for (const at::Tensor& b : module.buffers(/*recurse=*/true)) out.push_back(b);
  return out;
}

}  // namespace foresight

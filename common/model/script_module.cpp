#include "common/model/script_module.hpp"

#include <ATen/ATen.h>

#include <cmath>

namespace foresight {

torch::jit::Module make_script_module(const std::shared_ptr<torch::jit::CompilationUnit>& cu,
                                      const std::string& type) {
  torch::jit::Module m("__torch__.foresight." + type, cu, /*shouldMangle=*/true);
  m.register_attribute("training", c10::BoolType::get(), true);
  return m;
}

at::Tensor uniform_init(const std::vector<int64_t>& shape, int64_t fan_in) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  return at::empty(shape).uniform_(-bound, bound);
}

}  // namespace foresight

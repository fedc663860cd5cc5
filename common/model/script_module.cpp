#include "common/model/script_module.hpp"

#include <ATen/ATen.h>

#include <cmath>
#include <regex>
#include <utility>
#include <vector>

#include "common/util/torch_compat.hpp"

namespace foresight {

std::string model_script(const std::string& name) {
  // Compiled once: a model build defines dozens of modules.
  static const std::vector<std::pair<std::regex, std::string>> kActivationNames = [] {
    std::vector<std::pair<std::regex, std::string>> v;
    for (const auto& [name, code] : {std::pair<const char*, Activation>{"ACTIVATION_NONE", kNone},
                                     {"ACTIVATION_LEAKY_RELU", kLeakyRelu},
                                     {"ACTIVATION_TANH", kTanh},
                                     {"ACTIVATION_SIGMOID", kSigmoid}}) {
      v.emplace_back(std::regex(std::string("\\b") + name + "\\b"),
                     std::to_string(static_cast<int64_t>(code)));
    }
    return v;
  }();
  std::string source = embedded_script(name);
  for (const auto& [pattern, code] : kActivationNames) {
    source = std::regex_replace(source, pattern, code);
  }
  return source;
}

torch::jit::Module make_script_module(const std::shared_ptr<torch::jit::CompilationUnit>& cu,
                                      const std::string& type) {
  use_safe_cpu_kernels();  // before any of our modules runs (torch_compat.hpp)
  torch::jit::Module m("__torch__.foresight." + type, cu, /*shouldMangle=*/true);
  m.register_attribute("training", c10::BoolType::get(), true);
  return m;
}

at::Tensor uniform_init(const std::vector<int64_t>& shape, int64_t fan_in) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  return at::empty(shape).uniform_(-bound, bound);
}

}  // namespace foresight

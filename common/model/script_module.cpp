#include "common/model/script_module.hpp"

#include <ATen/ATen.h>

#include <cmath>
#include <regex>

namespace foresight {

std::string model_script(const std::string& name) {
  static const struct {
    const char* name;
    Activation code;
  } kActivationNames[] = {{"ACTIVATION_NONE", kNone},
                          {"ACTIVATION_LEAKY_RELU", kLeakyRelu},
                          {"ACTIVATION_TANH", kTanh},
                          {"ACTIVATION_SIGMOID", kSigmoid}};
  std::string source = embedded_script(name);
  for (const auto& a : kActivationNames) {
    source = std::regex_replace(source, std::regex(std::string("\\b") + a.name + "\\b"),
                                std::to_string(static_cast<int64_t>(a.code)));
  }
  return source;
}

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

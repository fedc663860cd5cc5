#include "common/model/cpu_packing.hpp"

#include <ATen/Context.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/jit/frontend/resolver.h>
#include <torch/csrc/jit/frontend/sugared_value.h>
#include <torch/custom_class.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "common/model/script_module.hpp"

namespace foresight {

namespace {

// `ops.<namespace>.<op>` in a script names a registered operator, as in TorchScript's own
// serialised code; the native resolver that define() uses knows only `torch`.
struct OpsNamespace : torch::jit::SugaredValue {
  std::string kind() const override { return "ops"; }
  std::shared_ptr<torch::jit::SugaredValue> attr(const torch::jit::SourceRange&,
                                                 torch::jit::GraphFunction&,
                                                 const std::string& field) override {
    return std::make_shared<torch::jit::BuiltinModule>(field);
  }
};

struct OpsResolver : torch::jit::Resolver {
  std::shared_ptr<torch::jit::SugaredValue> resolveValue(
      const std::string& name, torch::jit::GraphFunction& f,
      const torch::jit::SourceRange& loc) override {
    if (name == "ops") return std::make_shared<OpsNamespace>();
    return torch::jit::nativeResolver()->resolveValue(name, f, loc);
  }
  c10::TypePtr resolveType(const std::string& name, const torch::jit::SourceRange& loc) override {
    return torch::jit::nativeResolver()->resolveType(name, loc);
  }
};

bool packing_switched_off() {
  const char* setting = std::getenv("FORESIGHT_WEIGHT_PACKING");
  return setting != nullptr && std::string(setting) == "off";
}

}  // namespace

bool cpu_weight_packing_wanted() {
  // Prepacked weights are oneDNN's: where oneDNN is off none may run.
  return !packing_switched_off() && at::hasMKLDNN() && at::globalContext().userEnabledMkldnn();
}

bool cpu_weight_packing_compiled() {
  // Looked up, not linked: LibTorch builds without oneDNN have neither the op nor the class.
  static const bool has_op =
      c10::Dispatcher::singleton().findSchema({"mkldnn_prepacked::conv2d_run", ""}).has_value();
  return has_op && !packing_switched_off();
}

void register_conv_packing(torch::jit::Module& conv, const std::string& packing_script) {
  conv.register_attribute("is_packed", c10::BoolType::get(), false);
  if (cpu_weight_packing_compiled()) {
    auto context = torch::getCustomClass("__torch__.torch.classes.mkldnn.ConvOpContext");
    conv.register_attribute("packed", c10::OptionalType::create(context), c10::IValue());
    auto resolver = std::make_shared<OpsResolver>();
    conv.define(model_script("conv_packing_run"), resolver);
    conv.define(model_script(packing_script), resolver);
  } else {
    conv.define(model_script("conv_packing_unavailable"));
  }
}

bool prepare_for_cpu(torch::jit::Module& module, int64_t batch) {
  if (!module.find_method("prepare_for_cpu") || !cpu_weight_packing_wanted()) return false;
  c10::InferenceMode inference;
  return module.get_method("prepare_for_cpu")({batch}).toBool();
}

torch::jit::Module packed_copy_for_cpu(const torch::jit::Module& module) {
  for (const auto& p : module.parameters()) {
    if (!p.device().is_cpu()) return module;
    break;
  }
  if (!module.find_method("prepare_for_cpu") || !cpu_weight_packing_wanted()) return module;
  torch::jit::Module copy = module.clone();
  prepare_for_cpu(copy);
  return copy;
}

}  // namespace foresight

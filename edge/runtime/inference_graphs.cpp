#include "edge/runtime/inference_graphs.hpp"

#include <ATen/Context.h>
#include <torch/csrc/jit/passes/freeze_module.h>
#include <torch/csrc/jit/passes/frozen_graph_optimizations.h>
#include <torch/csrc/jit/passes/frozen_ops_to_mkldnn.h>

#include <string>
#include <vector>

namespace foresight {

torch::jit::Module optimize_for_cpu_inference(const torch::jit::Module& module) {
  std::vector<std::string> methods;
  for (const char* name : {"init_state", "step", "observe"}) {
    if (module.find_method(name)) methods.emplace_back(name);
  }
  torch::jit::Module eval = module.clone();
  eval.eval();
  torch::jit::Module frozen = torch::jit::freeze_module(eval, methods);
  for (const auto& name : methods) {
    auto graph = frozen.get_method(name).graph();
    torch::jit::OptimizeFrozenGraph(graph, /*optimize_numerics=*/true);
    // Not where oneDNN is switched off (torch_compat.hpp, use_safe_cpu_kernels).
    if (name != "init_state" && at::hasMKLDNN() && at::globalContext().userEnabledMkldnn()) {
      torch::jit::ConvertFrozenOpsToMKLDNN(graph);
    }
  }
  return frozen;
}

}  // namespace foresight

// The full runtime's load-time optimisation (edge/runtime/inference_graphs.hpp): the optimised
// module is frozen (no parameters left to read at every call), the SVG step runs oneDNN
// convolutions where this LibTorch has oneDNN, and both families predict what the exported module
// predicts, over steps of carried state.
#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>
#include <torch/csrc/jit/serialization/import.h>

#include "common/model/pose_model.hpp"
#include "edge/runtime/inference_graphs.hpp"
#include "tiny_model.hpp"

namespace foresight {
namespace {

bool graph_has(torch::jit::Module& m, const std::string& method, const std::string& kind) {
  for (const auto* node : m.get_method(method).graph()->nodes()) {
    if (std::string(node->kind().toQualString()) == kind) return true;
  }
  return false;
}

// Runs `steps` steps through `m` from a fresh state; the predictions, concatenated.
at::Tensor roll(torch::jit::Module& m, const std::vector<c10::IValue>& first_args, int steps) {
  c10::InferenceMode inference;
  auto state = m.get_method("init_state")({c10::IValue(int64_t{1})}).toTensorVector();
  std::vector<at::Tensor> out;
  for (int t = 0; t < steps; ++t) {
    std::vector<c10::IValue> args = first_args;
    args[3] = c10::List<at::Tensor>(state);
    args[4] = t == 0;
    auto result = m.get_method("step")(args).toTuple();
    out.push_back(result->elements()[0].toTensor());
    state = result->elements()[1].toTensorVector();
  }
  return at::cat(out);
}

void expect_same_predictions(const std::filesystem::path& file,
                             const std::vector<c10::IValue>& args, bool expect_onednn) {
  torch::jit::Module exported = torch::jit::load(file.string());
  exported.eval();
  torch::jit::Module optimized = optimize_for_cpu_inference(exported);
  EXPECT_TRUE(optimized.parameters().size() == 0) << "not frozen";
  if (expect_onednn && at::hasMKLDNN() && at::globalContext().userEnabledMkldnn()) {
    EXPECT_TRUE(graph_has(optimized, "step", "aten::to_mkldnn")) << "no oneDNN layout in step";
  }
  const at::Tensor want = roll(exported, args, 4), got = roll(optimized, args, 4);
  EXPECT_LE((got - want).abs().max().item<double>(), 1e-5);
}

TEST(InferenceGraphs, TheOptimisedSvgModelIsFrozenUsesOneDnnAndPredictsTheSame) {
  at::manual_seed(5);
  const ModelMetadata meta = testing::tiny_metadata();
  const int64_t cond = meta.action_dim + meta.position_dim;
  // step(x_obs, cond_prev, conds [K, B, C], state, first, noise [K + 1, B, z])
  expect_same_predictions(
      testing::tiny_model(".pt"),
      {at::rand({1, 3, meta.frame_height(), meta.frame_width()}), at::rand({1, cond}),
       at::rand({2, 1, cond}), c10::IValue(), c10::IValue(), at::randn({3, 1, meta.z_dim})},
      /*expect_onednn=*/true);
}

TEST(InferenceGraphs, TheOptimisedPoseModelPredictsTheSame) {
  at::manual_seed(6);
  const PoseConfig& c = testing::tiny_pose_module().config();
  // step(x_obs, label_prev, labels [K, B, 3, H, W], state, first, noise [K + 1, B, N, H, W])
  expect_same_predictions(testing::tiny_pose_model(".pt"),
                          {at::rand({1, 3, c.height, c.width}), at::rand({1, 3, c.height, c.width}),
                           at::rand({2, 1, 3, c.height, c.width}), c10::IValue(), c10::IValue(),
                           at::randn({3, 1, c.n_dim, c.height, c.width})},
                          // The pose step's convolutions sit in its rollout loop, where LibTorch's
                          // pass does not convert them: frozen and folded only.
                          /*expect_onednn=*/false);
}

}  // namespace
}  // namespace foresight

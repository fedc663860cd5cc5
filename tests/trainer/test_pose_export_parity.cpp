// Export parity for the pose model: the .ptl (lite interpreter) and .pt (full runtime) reproduce
// the trainer-side module's step over several steps with the same pose images and noise, and the
// metadata says family "pose", condition kind "pose".
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>
#include <torch/csrc/jit/mobile/import.h>
#include <torch/csrc/jit/mobile/module.h>
#include <torch/script.h>

#include <nlohmann/json.hpp>

#include "common/model/cpu_packing.hpp"
#include "common/util/torch_compat.hpp"
#include "support/test_support.hpp"
#include "trainer/export/exporter.hpp"

namespace foresight {
namespace {
namespace fs = std::filesystem;

// Each anchor: none (the seed's), the reference frame, the static background, and that with the
// first frame warped (their references travel in the state).
enum class Anchor { kNone, kReferenceFrame, kStaticBackground, kReferenceWarp };
class PoseExportParity : public ::testing::TestWithParam<Anchor> {};

TEST_P(PoseExportParity, LiteAndFullRuntimesMatchTheTrainerWithin1e5) {
  at::manual_seed(5);
  PoseConfig c;
  c.f_dim = 8;
  c.l_dim = 4;
  c.n_dim = 3;
  c.d_out = 12;
  c.reference_frame = GetParam() == Anchor::kReferenceFrame;
  c.reference_warp = GetParam() == Anchor::kReferenceWarp;
  c.static_background =
      GetParam() == Anchor::kStaticBackground || GetParam() == Anchor::kReferenceWarp ? 3 : 0;
  PoseModel model = PoseModel::create(c);
  if (c.reference_warp) {  // a flow and a gate that depend on the features
    at::NoGradGuard no_grad;
    model.module()
        .attr("anchor")
        .toModule()
        .attr("ref_head")
        .toModule()
        .attr("weight")
        .toTensor()
        .normal_(0.0, 0.5);
  }
  if (c.reference_frame) {  // half open, so that the reference shows in every prediction
    at::NoGradGuard no_grad;
    model.module().attr("anchor").toModule().attr("gate").toModule().attr("bias").toTensor().fill_(
        0.0);
  }
  ModelMetadata meta = make_pose_metadata(model, 30.5, "abc");
  const fs::path dir =
      testing::scratch_dir("pose-export-" + std::to_string(static_cast<int>(GetParam())));
  export_model(model, meta, dir / "pose.ptl");
  export_model(model, meta, dir / "pose.pt");

  model.train(false);
  at::NoGradGuard no_grad;
  const int64_t K = 2, HW = 32 * 64;
  struct In {
    at::Tensor x, conds, noise;
  };
  std::vector<In> inputs;
  for (int t = 0; t < 4; ++t) {
    // Sparse pose images, as drawn skeletons are: the static background shows in part of each.
    const at::Tensor conds = at::rand({K, 1, 3 * HW}) * (at::rand({K, 1, 3 * HW}) > 0.99);
    inputs.push_back({at::rand({1, 3, 32, 64}), conds, at::randn({K + 1, 1, c.n_dim * HW})});
  }
  const at::Tensor cond_prev = at::zeros({1, 3 * HW});

  torch::jit::ExtraFilesMap extra{{kMetadataFile, ""}};
  auto lite = torch::jit::_load_for_mobile((dir / "pose.ptl").string(), kTorchNone, extra);
  auto back = nlohmann::json::parse(extra[kMetadataFile]).get<ModelMetadata>();
  EXPECT_EQ(back.family, "pose");
  EXPECT_EQ(back.condition_kind, "pose");
  EXPECT_DOUBLE_EQ(back.val_psnr, 30.5);
  EXPECT_EQ(back.model_config.get<PoseConfig>().n_dim, 3);
  EXPECT_EQ(back.model_config.get<PoseConfig>().reference_frame, c.reference_frame);
  EXPECT_EQ(back.model_config.get<PoseConfig>().static_background, c.static_background);
  torch::jit::ExtraFilesMap extra_pt{{kMetadataFile, ""}};
  auto full = torch::jit::load((dir / "pose.pt").string(), kTorchNone, extra_pt);
  EXPECT_FALSE(extra_pt[kMetadataFile].empty());

  // As the edge serves them: convolution weights prepacked where this LibTorch and CPU pack
  // (common/model/cpu_packing.hpp).
  if (cpu_weight_packing_wanted()) {
    c10::InferenceMode inference;
    EXPECT_TRUE(lite.get_method("prepare_for_cpu")({int64_t{1}}).toBool());
    full.eval();
    EXPECT_TRUE(prepare_for_cpu(full));
  }
  auto state = model.init_state(1);
  auto lite_state = lite.get_method("init_state")({int64_t{1}}).toTensorVector();
  auto full_state = full.get_method("init_state")({int64_t{1}}).toTensorVector();
  for (size_t t = 0; t < inputs.size(); ++t) {
    const In& s = inputs[t];
    auto [expected, next] = model.step(s.x, cond_prev, s.conds, state, t == 0, s.noise);
    auto lite_out = lite.get_method("step")({s.x, cond_prev, s.conds,
                                             c10::List<at::Tensor>(lite_state), t == 0, s.noise})
                        .toTuple();
    auto full_out = full.get_method("step")({s.x, cond_prev, s.conds,
                                             c10::List<at::Tensor>(full_state), t == 0, s.noise})
                        .toTuple();
    EXPECT_LE((expected - lite_out->elements()[0].toTensor()).abs().max().item<double>(), 1e-5)
        << t;
    EXPECT_LE((expected - full_out->elements()[0].toTensor()).abs().max().item<double>(), 1e-5)
        << t;
    state = next;
    lite_state = lite_out->elements()[1].toTensorVector();
    full_state = full_out->elements()[1].toTensorVector();
  }
}

INSTANTIATE_TEST_SUITE_P(Anchors, PoseExportParity,
                         ::testing::Values(Anchor::kNone, Anchor::kReferenceFrame,
                                           Anchor::kStaticBackground, Anchor::kReferenceWarp),
                         [](const auto& info) {
                           switch (info.param) {
                             case Anchor::kReferenceFrame:
                               return "WithReference";
                             case Anchor::kStaticBackground:
                               return "StaticBackground";
                             case Anchor::kReferenceWarp:
                               return "ReferenceWarp";
                             default:
                               return "Seed";
                           }
                         });

}  // namespace
}  // namespace foresight

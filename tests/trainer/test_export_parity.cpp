// Export parity: the .ptl (lite interpreter) and the .pt (full TorchScript runtime) written by
// `foresight export` reproduce the trainer-side module's predictions for the same inputs and the
// same latent noise, over several steps of carried state; the metadata travels inside.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/csrc/jit/mobile/import.h>
#include <torch/csrc/jit/mobile/module.h>
#include <torch/script.h>

#include <nlohmann/json.hpp>
#include <tuple>

#include "common/util/torch_compat.hpp"
#include "support/test_support.hpp"
#include "trainer/export/exporter.hpp"

namespace foresight {
namespace {
namespace fs = std::filesystem;

struct StepInputs {
  at::Tensor x, cond_prev, conds, noise;
  bool first;
};

std::vector<StepInputs> make_inputs(int steps, int K, const SvgConfig& c) {
  std::vector<StepInputs> in;
  for (int t = 0; t < steps; ++t) {
    in.push_back({at::rand({1, 3, 64, 64}), at::rand({1, 7}), at::rand({K, 1, 7}),
                  at::randn({K + 1, 1, c.z_dim}), t == 0});
  }
  return in;
}

template <typename CallStep>
std::vector<at::Tensor> run(CallStep call, std::vector<at::Tensor> state,
                            const std::vector<StepInputs>& inputs) {
  std::vector<at::Tensor> preds;
  for (const auto& s : inputs) {
    auto out = call(s, state);
    preds.push_back(out.first);
    state = out.second;
  }
  return preds;
}

std::pair<at::Tensor, std::vector<at::Tensor>> unpack(const c10::IValue& v) {
  auto t = v.toTuple();
  return {t->elements()[0].toTensor(), t->elements()[1].toTensorVector()};
}

// What the action layer's displacement reads beside the conditions.
enum class Latent { kNone, kEncoding, kSample };

// (learned prior, output head, latent displacement)
class ExportParity : public ::testing::TestWithParam<std::tuple<bool, DecoderHead, Latent>> {};

TEST_P(ExportParity, LiteAndFullRuntimesMatchTheTrainerWithin1e5) {
  at::manual_seed(11);
  SvgConfig c;
  c.width = 0.125;
  c.g_dim = 32;
  c.z_dim = 8;
  c.rnn_size = 32;
  const bool learned = std::get<0>(GetParam());
  c.learned_prior = learned;
  c.decoder = std::get<1>(GetParam());
  c.latent_motion = std::get<2>(GetParam()) == Latent::kEncoding;
  c.latent_shift = std::get<2>(GetParam()) == Latent::kSample;
  c.cond_mean = {0.01, -0.02, 0.0, 1.0, 0.1, -0.1, 0.03};  // the exported scaling travels too
  c.cond_std = {0.02, 0.02, 0.01, 1.0, 0.1, 0.1, 0.02};
  SvgModel model = SvgModel::create(c);
  {
    // Move BatchNorm's running statistics off their defaults, as training would, and the head's
    // last layer off its copy-last start, so that masks and flows (up to a few pixels) vary.
    at::NoGradGuard no_grad;
    model.train(true);
    model.encode(at::rand({8, 3, 64, 64}));
    auto last = model.module().attr("dec").toModule().attr("upc5_1").toModule();
    last.attr("weight").toTensor().normal_(0.0, 0.3);
    testing::move_action_layer(model, 0.05);  // the conditions' scaling makes them ~50 here
  }
  Checkpoint ckpt;
  ckpt.model_config = c;
  ckpt.val_psnr = 21.5;
  ModelMetadata meta = make_metadata(ckpt, model);
  const fs::path dir = testing::scratch_dir("export");
  export_model(model, meta, dir / "model.ptl");
  export_model(model, meta, dir / "model.pt");

  model.train(false);
  const auto inputs = make_inputs(5, 3, c);
  at::NoGradGuard no_grad;
  auto expected = run(
      [&](const StepInputs& s, const std::vector<at::Tensor>& st) {
        return model.step(s.x, s.cond_prev, s.conds, st, s.first, s.noise);
      },
      model.init_state(1), inputs);

  torch::jit::ExtraFilesMap extra{{kMetadataFile, ""}};
  auto lite = torch::jit::_load_for_mobile((dir / "model.ptl").string(), kTorchNone, extra);
  auto meta_back = nlohmann::json::parse(extra[kMetadataFile]).get<ModelMetadata>();
  EXPECT_EQ(meta_back.prior, learned ? "learned" : "fixed");
  EXPECT_EQ(meta_back.model_config.at("decoder"), to_string(c.decoder));
  EXPECT_EQ(meta_back.z_dim, 8);
  EXPECT_DOUBLE_EQ(meta_back.val_psnr, 21.5);
  auto lite_state = lite.get_method("init_state")({int64_t{1}}).toTensorVector();
  auto got_lite = run(
      [&](const StepInputs& s, const std::vector<at::Tensor>& st) {
        return unpack(lite.get_method("step")(
            {s.x, s.cond_prev, s.conds, c10::List<at::Tensor>(st), s.first, s.noise}));
      },
      lite_state, inputs);

  torch::jit::ExtraFilesMap extra_pt{{kMetadataFile, ""}};
  auto full = torch::jit::load((dir / "model.pt").string(), kTorchNone, extra_pt);
  EXPECT_FALSE(extra_pt[kMetadataFile].empty());
  auto full_state = full.get_method("init_state")({int64_t{1}}).toTensorVector();
  auto got_full = run(
      [&](const StepInputs& s, const std::vector<at::Tensor>& st) {
        return unpack(full.get_method("step")(
            {s.x, s.cond_prev, s.conds, c10::List<at::Tensor>(st), s.first, s.noise}));
      },
      full_state, inputs);

  ASSERT_EQ(expected.size(), 5u);
  for (size_t t = 0; t < expected.size(); ++t) {
    EXPECT_LE((expected[t] - got_lite[t]).abs().max().item<double>(), 1e-5) << "lite step " << t;
    EXPECT_LE((expected[t] - got_full[t]).abs().max().item<double>(), 1e-5) << "full step " << t;
  }
}

INSTANTIATE_TEST_SUITE_P(
    PriorsAndHeads, ExportParity,
    ::testing::Combine(::testing::Values(false, true),
                       ::testing::Values(DecoderHead::kPlain, DecoderHead::kComposite,
                                         DecoderHead::kFlow, DecoderHead::kAction),
                       ::testing::Values(Latent::kNone)),
    [](const auto& info) {
      return std::string(std::get<0>(info.param) ? "Learned" : "Fixed") + "_" +
             to_string(std::get<1>(info.param));
    });

INSTANTIATE_TEST_SUITE_P(
    LatentMotion, ExportParity,
    ::testing::Values(std::make_tuple(true, DecoderHead::kAction, Latent::kEncoding),
                      std::make_tuple(true, DecoderHead::kAction, Latent::kSample)),
    [](const auto& info) {
      return std::string(std::get<2>(info.param) == Latent::kEncoding ? "Learned_action_latent"
                                                                      : "Learned_action_shift");
    });

TEST(Export, RejectsAnUnknownExtension) {
  at::manual_seed(1);
  SvgConfig c;
  c.width = 0.125;
  c.g_dim = 8;
  c.z_dim = 2;
  c.rnn_size = 8;
  SvgModel model = SvgModel::create(c);
  Checkpoint ckpt;
  ckpt.model_config = c;
  const fs::path out = testing::scratch_dir("export-bad") / "model.onnx";
  EXPECT_THROW(export_model(model, make_metadata(ckpt, model), out), std::invalid_argument);
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace foresight

// The edge's model runtime: .ptl (lite interpreter) and .pt (full TorchScript) load with their
// metadata and reproduce SvgModel::step; every kind of bad model file is a ModelLoadError that
// names the file.
#include <ATen/ATen.h>
#include <caffe2/serialize/inline_container.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "common/model/svg_model.hpp"
#include "edge/runtime/predictor.hpp"
#include "support/test_support.hpp"
#include "tiny_model.hpp"

namespace foresight {
namespace {
namespace fs = std::filesystem;
using testing::TinyModelSpec;

// Expects `fn` to throw ModelLoadError whose message names `file` and contains `fragment`.
template <typename Fn>
void expect_load_error(Fn fn, const fs::path& file, const std::string& fragment) {
  try {
    fn();
    ADD_FAILURE() << "no ModelLoadError for " << file;
  } catch (const ModelLoadError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(file.string()), std::string::npos) << what;
    EXPECT_NE(what.find(fragment), std::string::npos) << what;
  }
}

class PredictorParity : public ::testing::TestWithParam<std::tuple<std::string, bool>> {};

// Runs four steps of carried state through `predictor` and `model`, same inputs and noise; the
// predictions must agree within 1e-5.
void expect_same_steps(Predictor& predictor, SvgModel& model) {
  at::manual_seed(3);
  const int64_t B = 2, K = 2, C = 7, Z = predictor.metadata().z_dim;
  State expected_state = model.init_state(B);
  RecurrentState got_state = predictor.init_state(B);
  ASSERT_EQ(got_state.size(), expected_state.size());
  at::NoGradGuard no_grad;
  for (int t = 0; t < 4; ++t) {
    at::Tensor x = at::rand({B, 3, 64, 64});
    at::Tensor cond_prev = at::rand({B, C});
    at::Tensor conds = at::rand({K, B, C});
    at::Tensor noise = at::randn({K + 1, B, Z});
    auto want = model.step(x, cond_prev, conds, expected_state, t == 0, noise);
    auto got = predictor.step(x, cond_prev, conds, got_state, t == 0, noise);
    ASSERT_EQ(got.first.sizes(), want.first.sizes());
    EXPECT_LE((got.first - want.first).abs().max().item<double>(), 1e-5) << "step " << t;
    expected_state = want.second;
    got_state = got.second;
  }
}

// Both runtimes, as served: with the weights prepacked where this LibTorch can
// (common/model/cpu_packing.hpp).
TEST_P(PredictorParity, MatchesSvgModelStepWithin1e5OverCarriedState) {
  const auto& [ext, learned] = GetParam();
  TinyModelSpec spec;
  spec.learned_prior = learned;
  auto predictor = load_predictor(testing::tiny_model(ext, spec));
  EXPECT_EQ(predictor->runtime(), ext == ".ptl" ? "lite" : "full");
  EXPECT_EQ(predictor->metadata().prior, learned ? "learned" : "fixed");
  expect_same_steps(*predictor, testing::tiny_svg_model(spec));
}

// FORESIGHT_WEIGHT_PACKING=off: the lite runtime runs the file as exported, the full one freezes
// it (inference_graphs.hpp); the same predictions.
TEST(PredictorParityUnpacked, BothRuntimesMatchSvgModelStepWithPackingOff) {
  for (const std::string ext : {".ptl", ".pt"}) {
    setenv("FORESIGHT_WEIGHT_PACKING", "off", 1);
    auto predictor = load_predictor(testing::tiny_model(ext));
    unsetenv("FORESIGHT_WEIGHT_PACKING");
    SCOPED_TRACE(ext);
    expect_same_steps(*predictor, testing::tiny_svg_model());
  }
}

INSTANTIATE_TEST_SUITE_P(Runtimes, PredictorParity,
                         ::testing::Combine(::testing::Values(".ptl", ".pt"),
                                            ::testing::Values(false, true)),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param) == ".ptl" ? "Lite" : "Full") +
                                  (std::get<1>(info.param) ? "Learned" : "Fixed");
                         });

TEST(ReadModelMetadata, ReadsTheEmbeddedMetadataOfBothFormats) {
  const ModelMetadata want = testing::tiny_metadata();
  for (const char* ext : {".ptl", ".pt"}) {
    const ModelMetadata got = read_model_metadata(testing::tiny_model(ext));
    EXPECT_EQ(nlohmann::json(got), nlohmann::json(want)) << ext;
  }
}

TEST(LoadPredictor, MissingFileNamesTheFile) {
  const fs::path file = testing::scratch_dir("missing") / "nope.ptl";
  expect_load_error([&] { load_predictor(file); }, file, "no such model file");
  expect_load_error([&] { read_model_metadata(file); }, file, "no such model file");
}

TEST(LoadPredictor, UnknownExtensionIsRefused) {
  const fs::path file = testing::scratch_dir("ext") / "model.onnx";
  std::ofstream(file) << "x";
  expect_load_error([&] { load_predictor(file); }, file, ".ptl");
}

TEST(LoadPredictor, GarbageAndTruncatedFilesAreLoadErrors) {
  const fs::path dir = testing::scratch_dir("corrupt");
  const fs::path garbage = dir / "garbage.ptl";
  std::ofstream(garbage, std::ios::binary) << std::string(4096, '\x17');
  expect_load_error([&] { load_predictor(garbage); }, garbage, "cannot load model");

  for (const char* ext : {".ptl", ".pt"}) {
    const fs::path source = testing::tiny_model(ext);
    const fs::path truncated = dir / (std::string("truncated") + ext);
    std::ifstream in(source, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    expect_load_error([&] { load_predictor(truncated); }, truncated, "cannot load model");
  }
}

TEST(LoadPredictor, AFileWithoutMetadataIsNotAForesightModel) {
  for (const char* ext : {".ptl", ".pt"}) {
    const fs::path file = testing::scratch_dir("nometa") / (std::string("bare") + ext);
    testing::write_model_with_metadata(file, std::nullopt);
    expect_load_error([&] { load_predictor(file); }, file, "not a Foresight model");
  }
}

TEST(LoadPredictor, InvalidOrUnservableMetadataIsRefused) {
  const fs::path dir = testing::scratch_dir("badmeta");
  struct Case {
    const char* name;
    std::function<void(nlohmann::json&)> edit;
    const char* fragment;
  };
  const std::vector<Case> cases = {
      {"version", [](nlohmann::json& j) { j["format_version"] = 99; }, "format_version 99"},
      {"names", [](nlohmann::json& j) { j["condition_names"] = {"a"}; }, "condition_names"},
      {"mismatch", [](nlohmann::json& j) { j["condition_kind"] = "pose"; },
       "family 'svg' is conditioned on telemetry"},
      {"pose_on_telemetry", [](nlohmann::json& j) { j["family"] = "pose"; },
       "family 'pose' is conditioned on pose images"},
      {"type", [](nlohmann::json& j) { j["image_size"] = "big"; }, "cannot load"},
  };
  for (const Case& c : cases) {
    nlohmann::json j = testing::tiny_metadata();
    c.edit(j);
    const fs::path file = dir / (std::string(c.name) + ".ptl");
    testing::write_model_with_metadata(file, j.dump());
    try {
      load_predictor(file);
      ADD_FAILURE() << c.name;
    } catch (const ModelLoadError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(file.string()), std::string::npos) << what;
      if (std::string(c.name) != "type") {
        EXPECT_NE(what.find(c.fragment), std::string::npos) << c.name << ": " << what;
      }
    }
  }
  const fs::path not_json = dir / "notjson.pt";
  testing::write_model_with_metadata(not_json, "{not json");
  expect_load_error([&] { read_model_metadata(not_json); }, not_json, not_json.filename().string());
}

TEST(LoadPredictor, LiteModelsRunOnTheCpuOnly) {
  const fs::path file = testing::tiny_model(".ptl");
  expect_load_error([&] { load_predictor(file, "cuda"); }, file, ".pt");
  EXPECT_THROW(load_predictor(file, "tpu"), std::invalid_argument);
}

TEST(LoadPredictor, AFullModelNamedPtlIsALoadError) {
  const fs::path file = testing::scratch_dir("renamed") / "full.ptl";
  fs::copy_file(testing::tiny_model(".pt"), file);
  expect_load_error([&] { load_predictor(file); }, file, "cannot load model");
}

// A .ptl whose bytecode version is newer than this LibTorch reads: the message LibTorch gives
// ("Lite Interpreter version number does not match") gets a hint about exporting.
TEST(LoadPredictor, NewerBytecodeVersionGetsAnExportHint) {
  const fs::path source = testing::tiny_model(".ptl");
  const fs::path file = testing::scratch_dir("newer") / "newer.ptl";
  {
    caffe2::serialize::PyTorchStreamReader reader(source.string());
    caffe2::serialize::PyTorchStreamWriter writer(file.string());
    bool patched = false;
    for (const std::string& name : reader.getAllRecords()) {
      if (name == "version" || name == ".data/version") continue;  // the writer adds its own
      auto [data, size] = reader.getRecord(name);
      std::string bytes(static_cast<const char*>(data.get()), size);
      if (name == "bytecode.pkl") {
        // Pickle protocol 2: \x80\x02 then the tuple's MARK '(' and BININT1 'K' <version>.
        const auto at = bytes.find('K');
        if (at != std::string::npos && at < 8) {
          bytes[at + 1] = static_cast<char>(99);
          patched = true;
        }
      }
      writer.writeRecord(name, bytes.data(), bytes.size());
    }
    writer.writeEndOfFile();
    if (!patched) GTEST_SKIP() << "bytecode.pkl layout not recognised";
  }
  EXPECT_NO_THROW(read_model_metadata(file));  // metadata alone still reads
  expect_load_error([&] { load_predictor(file); }, file, "newer than this runtime");
}

}  // namespace
}  // namespace foresight

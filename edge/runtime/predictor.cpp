#include "edge/runtime/predictor.hpp"

#include <c10/util/Exception.h>
#include <caffe2/serialize/inline_container.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "edge/runtime/predictor_loading.hpp"

namespace foresight {

RecurrentState Predictor::observe(const at::Tensor& x_obs, const at::Tensor& cond_prev,
                                  const RecurrentState& state, bool first,
                                  const at::Tensor& noise) {
  at::Tensor noise2 = noise.unsqueeze(0).expand({2, noise.size(0), noise.size(1)}).contiguous();
  return step(x_obs, cond_prev, cond_prev.unsqueeze(0), state, first, noise2).second;
}
namespace runtime_detail {
namespace {

// The first line of a LibTorch message: the rest is a C++ backtrace nobody at a robot can use.
std::string first_line(std::string text) {
  const auto nl = text.find('\n');
  if (nl != std::string::npos) text.resize(nl);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

std::string hint_for(const std::string& message) {
  if (message.find("version number does not match") != std::string::npos ||
      message.find("bytecode version") != std::string::npos) {
    return " (the .ptl was written by a LibTorch newer than this runtime; export the model with a "
           "LibTorch no newer than the device's, or ship a .pt)";
  }
  if (message.find("PytorchStreamReader") != std::string::npos ||
      message.find("zip archive") != std::string::npos) {
    return " (not a TorchScript archive, or truncated)";
  }
  return "";
}

}  // namespace

ModelMetadata parse_metadata(const std::filesystem::path& file, const std::string& json_text) {
  const std::string where = file.string() + ": ";
  if (json_text.empty()) {
    throw ModelLoadError(where + "not a Foresight model (no " + std::string(kMetadataFile) +
                         " inside; export it with `foresight export`)");
  }
  ModelMetadata meta;
  try {
    meta = nlohmann::json::parse(json_text).get<ModelMetadata>();
    meta.validate();
  } catch (const std::exception& e) {
    throw ModelLoadError(where + first_line(e.what()));
  }
  // validate() has checked that family and condition kind agree: svg on telemetry, pose on pose
  // images; the session feeds both.
  if (meta.z_dim <= 0) throw ModelLoadError(where + "model metadata: z_dim must be > 0");
  return meta;
}

void log_weight_packing(const std::filesystem::path& file, bool packed) {
  if (packed) {
    spdlog::info(
        "{}: convolution weights prepacked for oneDNN (FORESIGHT_WEIGHT_PACKING=off: "
        "plain convolutions)",
        file.filename().string());
  } else {
    spdlog::info("{}: exported without weight packing (or this LibTorch cannot pack)",
                 file.filename().string());
  }
}

[[noreturn]] void rethrow_as_load_error(const std::filesystem::path& file) {
  try {
    throw;
  } catch (const ModelLoadError&) {
    throw;
  } catch (const c10::Error& e) {
    const std::string msg = first_line(e.what_without_backtrace());
    throw ModelLoadError(file.string() + ": cannot load model: " + msg + hint_for(msg));
  } catch (const std::exception& e) {
    const std::string msg = first_line(e.what());
    throw ModelLoadError(file.string() + ": cannot load model: " + msg + hint_for(msg));
  }
}

}  // namespace runtime_detail

namespace {

void require_model_file(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    throw ModelLoadError(file.string() + ": no such model file");
  }
  const std::string ext = file.extension().string();
  if (ext != ".ptl" && ext != ".pt") {
    throw ModelLoadError(file.string() +
                         ": unknown model extension (want .ptl for the lite interpreter or .pt "
                         "for TorchScript)");
  }
}

}  // namespace

ModelMetadata read_model_metadata(const std::filesystem::path& model_file) {
  require_model_file(model_file);
  std::string text;
  try {
    // Both .ptl and .pt are zip archives with extra files under "extra/": reading the one record
    // directly skips the weights (LibTorch's own _load_extra_only_for_mobile is not exported).
    caffe2::serialize::PyTorchStreamReader reader(model_file.string());
    const std::string record = std::string("extra/") + kMetadataFile;
    if (reader.hasRecord(record)) {
      auto [data, size] = reader.getRecord(record);
      text.assign(static_cast<const char*>(data.get()), size);
    }
  } catch (...) {
    runtime_detail::rethrow_as_load_error(model_file);
  }
  return runtime_detail::parse_metadata(model_file, text);
}

std::unique_ptr<Predictor> load_predictor(const std::filesystem::path& model_file,
                                          const std::string& device) {
  if (device != "cpu" && device != "cuda") {
    throw std::invalid_argument("device '" + device + "': want cpu or cuda");
  }
  ModelMetadata meta = read_model_metadata(model_file);
  if (model_file.extension() == ".ptl") {
    if (device != "cpu") {
      throw ModelLoadError(model_file.string() +
                           ": a .ptl runs on the lite interpreter's CPU backend only; export a "
                           ".pt to use --device cuda");
    }
    return runtime_detail::make_lite_predictor(model_file, std::move(meta));
  }
  return runtime_detail::make_full_predictor(model_file, std::move(meta), device);
}

}  // namespace foresight

#include "common/model/model_file.hpp"

#include <torch/csrc/jit/serialization/export.h>
#include <torch/version.h>

#include <nlohmann/json.hpp>

#include "common/dataset/dataset_format.hpp"
#include "common/util/atomic_file.hpp"

namespace foresight {

ModelMetadata svg_model_metadata(const SvgConfig& c) {
  ModelMetadata m;
  m.family = "svg";
  m.condition_kind = "telemetry";
  m.image_size = c.image_size;
  m.image_height = c.image_size;
  m.channels = c.channels;
  m.action_dim = kActionDim;
  m.position_dim = kPositionDim;
  m.condition_names.assign(kConditionNames.begin(), kConditionNames.end());
  m.n_past = c.n_past;
  m.prior = c.learned_prior ? "learned" : "fixed";
  m.g_dim = c.g_dim;
  m.z_dim = c.z_dim;
  m.rnn_size = c.rnn_size;
  m.config_hash = fnv1a_hex(nlohmann::json(c).dump());
  m.torch_version = TORCH_VERSION;
  m.model_config = c;
  return m;
}

ModelMetadata pose_model_metadata(const PoseConfig& c) {
  ModelMetadata m;
  m.family = "pose";
  m.condition_kind = "pose";
  m.image_size = c.width;
  m.image_height = c.height;
  m.channels = 3;
  m.action_dim = 0;
  m.position_dim = 0;
  m.condition_names.clear();
  m.n_past = 1;       // the model needs only the last frame: it predicts from the first step on
  m.prior = "fixed";  // z ~ N(0, I) at test time, scaled by the caller (--noise-scale)
  m.g_dim = c.f_dim;
  m.z_dim = c.n_dim * c.height * c.width;  // noise numbers per step, as step() takes them
  m.rnn_size = 0;
  m.config_hash = fnv1a_hex(nlohmann::json(c).dump());
  m.torch_version = TORCH_VERSION;
  m.model_config = c;
  return m;
}

void save_model_file(const torch::jit::Module& module,
                     const std::optional<std::string>& metadata_json,
                     const std::filesystem::path& out) {
  const std::string ext = out.extension().string();
  if (ext != ".pt" && ext != ".ptl") {
    throw std::invalid_argument(out.string() + ": the extension must be .ptl (lite) or .pt (full)");
  }
  torch::jit::Module m = module.clone();
  m.to(at::kCPU);
  m.eval();
  for (auto p : m.parameters()) p.set_requires_grad(false);
  torch::jit::ExtraFilesMap extra;
  if (metadata_json) extra[kMetadataFile] = *metadata_json;
  write_atomically(out, [&](const std::filesystem::path& tmp) {
    if (ext == ".ptl") {
      m._save_for_mobile(tmp.string(), extra);
    } else {
      m.save(tmp.string(), extra);
    }
  });
}

void export_model_file(const torch::jit::Module& module, const ModelMetadata& metadata,
                       const std::filesystem::path& out) {
  metadata.validate();
  save_model_file(module, nlohmann::json(metadata).dump(2), out);
}

}  // namespace foresight

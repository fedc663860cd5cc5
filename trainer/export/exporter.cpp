#include "trainer/export/exporter.hpp"

#include <nlohmann/json.hpp>

#include <torch/version.h>

#include "common/model/model_file.hpp"

namespace foresight {

ModelMetadata make_metadata(const Checkpoint& ckpt, const SvgModel& model) {
  ModelMetadata m = svg_model_metadata(model.config());
  m.config_hash = fnv1a_hex(nlohmann::json(ckpt.config).dump());
  m.val_psnr = ckpt.val_psnr;
  return m;
}

ModelMetadata make_pose_metadata(const PoseModel& model, double val_psnr,
                                 const std::string& config_hash) {
  ModelMetadata m;
  const PoseConfig& c = model.config();
  m.family = "pose";
  m.condition_kind = "pose";
  m.image_size = c.width;
  m.channels = 3;
  m.action_dim = 0;
  m.position_dim = 0;
  m.condition_names.clear();
  m.n_past = 1;
  m.prior = "fixed";  // z ~ N(0, I) at test time, scaled by the caller (--noise-scale)
  m.g_dim = c.f_dim;
  m.z_dim = c.n_dim * c.height * c.width;  // noise numbers per step, as step() takes them
  m.rnn_size = 0;
  m.config_hash = config_hash;
  m.val_psnr = val_psnr;
  m.torch_version = TORCH_VERSION;
  m.model_config = c;
  return m;
}

void export_module(const torch::jit::Module& module, const ModelMetadata& metadata,
                   const std::filesystem::path& out) {
  export_model_file(module, metadata, out);
}

}  // namespace foresight

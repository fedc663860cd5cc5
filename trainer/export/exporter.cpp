#include "trainer/export/exporter.hpp"

#include <nlohmann/json.hpp>

#include "common/model/model_file.hpp"

namespace foresight {

ModelMetadata make_metadata(const Checkpoint& ckpt, const SvgModel& model) {
  ModelMetadata m = svg_model_metadata(model.config());
  m.config_hash = fnv1a_hex(nlohmann::json(ckpt.config).dump());
  m.val_psnr = ckpt.val_psnr;
  m.train_sequence_length = ckpt.config.n_past + ckpt.config.n_future;
  return m;
}

ModelMetadata make_pose_metadata(const PoseModel& model, double val_psnr,
                                 const std::string& config_hash) {
  ModelMetadata m = pose_model_metadata(model.config());
  m.config_hash = config_hash;
  m.val_psnr = val_psnr;
  return m;
}

void export_module(const torch::jit::Module& module, const ModelMetadata& metadata,
                   const std::filesystem::path& out) {
  export_model_file(module, metadata, out);
}

}  // namespace foresight

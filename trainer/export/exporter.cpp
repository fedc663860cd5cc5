#include "trainer/export/exporter.hpp"

#include <nlohmann/json.hpp>

#include "common/model/model_file.hpp"

namespace foresight {

ModelMetadata make_metadata(const Checkpoint& ckpt, const SvgModel& model) {
  ModelMetadata m = svg_model_metadata(model.config());
  m.config_hash = fnv1a_hex(nlohmann::json(ckpt.config).dump());
  m.val_psnr = ckpt.val_psnr;
  return m;
}

void export_model(SvgModel& model, const ModelMetadata& metadata, const std::filesystem::path& out) {
  export_model_file(model.module(), metadata, out);
}

}  // namespace foresight

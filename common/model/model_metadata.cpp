#include "common/model/model_metadata.hpp"

#include <cstdio>
#include <stdexcept>

namespace foresight {

void ModelMetadata::validate() const {
  auto fail = [](const std::string& what) { throw std::runtime_error("model metadata: " + what); };
  if (format_version != kModelFormatVersion) {
    fail("format_version " + std::to_string(format_version) +
         " is not supported (this build reads " + std::to_string(kModelFormatVersion) + ")");
  }
  if (family != "svg" && family != "pose") fail("unknown family '" + family + "'");
  if (condition_kind != "telemetry" && condition_kind != "pose") {
    fail("unknown condition_kind '" + condition_kind + "'");
  }
  if (family == "svg" && condition_kind != "telemetry") {
    fail("family 'svg' is conditioned on telemetry, not '" + condition_kind + "'");
  }
  if (family == "pose" && condition_kind != "pose") {
    fail("family 'pose' is conditioned on pose images, not '" + condition_kind + "'");
  }
  if (image_size <= 0 || image_height < 0 || channels != 3) {
    fail("image_size/image_height/channels out of range");
  }
  if (action_dim < 0 || position_dim < 0) fail("negative action_dim/position_dim");
  if (condition_kind == "telemetry" &&
      static_cast<int>(condition_names.size()) != condition_dim()) {
    fail("condition_names has " + std::to_string(condition_names.size()) + " names for " +
         std::to_string(condition_dim()) + " condition numbers");
  }
  if (n_past < 1) fail("n_past must be >= 1");
  if (train_sequence_length < 0) fail("train_sequence_length must be >= 0");
  if (prior != "fixed" && prior != "learned") fail("unknown prior '" + prior + "'");
  if (!(noise_scale >= 0.0) || noise_scale > 100.0) fail("noise_scale must be in [0, 100]");
}

// One field per line: clang-format does not settle on a layout for X-macro lists.
// clang-format off
#define FORESIGHT_METADATA_FIELDS(X)                                                               \
  X(format_version)                                                                                \
  X(family)                                                                                        \
  X(condition_kind)                                                                                \
  X(image_size)                                                                                    \
  X(image_height)                                                                                  \
  X(channels)                                                                                      \
  X(action_dim)                                                                                    \
  X(position_dim)                                                                                  \
  X(condition_names)                                                                               \
  X(n_past)                                                                                        \
  X(train_sequence_length)                                                                         \
  X(prior)                                                                                         \
  X(g_dim)                                                                                         \
  X(z_dim)                                                                                         \
  X(rnn_size)                                                                                      \
  X(config_hash)                                                                                   \
  X(val_psnr)                                                                                      \
  X(noise_scale)                                                                                   \
  X(torch_version)                                                                                 \
  X(model_config)
// clang-format on

void to_json(nlohmann::json& j, const ModelMetadata& m) {
  j = nlohmann::json::object();
#define X(f) j[#f] = m.f;
  FORESIGHT_METADATA_FIELDS(X)
#undef X
}

void from_json(const nlohmann::json& j, ModelMetadata& m) {
#define X(f) \
  if (j.contains(#f)) j.at(#f).get_to(m.f);
  FORESIGHT_METADATA_FIELDS(X)
#undef X
  // Pose models exported before noise_scale existed were evaluated at the presets' 0.5.
  if (!j.contains("noise_scale") && m.family == "pose") m.noise_scale = 0.5;
  // Pose models exported before image_height existed carry their height in model_config only.
  if (!j.contains("image_height") && m.model_config.is_object() &&
      m.model_config.contains("height") && m.model_config["height"].is_number_integer()) {
    m.image_height = m.model_config["height"].get<int>();
  }
}

std::string fnv1a_hex(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace foresight

#include "common/model/pose_config.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace foresight {

void PoseConfig::validate() const {
  auto require = [](bool ok, const char* field, const char* why) {
    if (!ok) throw std::invalid_argument(std::string("pose model config: ") + field + " " + why);
  };
  require(height > 0 && width > 0, "height/width", "must be > 0");
  require(f_dim > 0 && l_dim > 0 && n_dim > 0 && d_out > 0, "f_dim/l_dim/n_dim/d_out",
          "must be > 0");
  require(logvar_min < logvar_max, "logvar_min", "must be < logvar_max");
  require(static_background >= 0 && static_background <= 64, "static_background",
          "must be a radius in pixels from 0 (off) to 64");
  require(static_background == 0 || !reference_frame, "static_background",
          "and reference_frame cannot both be on (both are anchors)");
  require(!reference_warp || static_background > 0, "reference_warp",
          "needs static_background > 0 (it warps the reference that rule keeps)");
  require(decoder != DecoderHead::kAction, "decoder", "action is for SVG models (no actions here)");
}

#define FORESIGHT_POSE_FIELDS(X) \
  X(height) X(width) X(f_dim) X(l_dim) X(n_dim) X(d_out) X(logvar_min) X(logvar_max)

void to_json(nlohmann::json& j, const PoseConfig& c) {
  j = nlohmann::json::object();
#define X(f) j[#f] = c.f;
  FORESIGHT_POSE_FIELDS(X)
#undef X
  j["decoder"] = to_string(c.decoder);
  j["previous_pose"] = c.previous_pose;
  j["reference_frame"] = c.reference_frame;
  j["static_background"] = c.static_background;
  j["reference_warp"] = c.reference_warp;
}

void from_json(const nlohmann::json& j, PoseConfig& c) {
#define X(f) \
  if (j.contains(#f)) j.at(#f).get_to(c.f);
  FORESIGHT_POSE_FIELDS(X)
#undef X
  if (j.contains("decoder")) {
    c.decoder = parse_decoder_head(j.at("decoder").get<std::string>());
  } else {  // written before the heads: the composite flag, or the plain generator before it
    c.decoder = j.value("composite", false) ? DecoderHead::kComposite : DecoderHead::kPlain;
  }
  c.previous_pose = j.value("previous_pose", false);
  c.reference_frame = j.value("reference_frame", false);
  c.static_background = j.value("static_background", 0);
  c.reference_warp = j.value("reference_warp", false);
}

}  // namespace foresight

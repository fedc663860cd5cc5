// The two model families: SVG (conditioned on action/position telemetry) and the pose CVAE
// (conditioned on a pose image per frame). Checkpoints, configs and exported metadata name them
// "svg" and "pose".
#pragma once
#include "common/util/enum_names.hpp"

namespace foresight {

enum class ModelFamily { kSvg, kPose };
template <>
struct EnumNames<ModelFamily> {
  static constexpr std::pair<ModelFamily, const char*> kNames[] = {{ModelFamily::kSvg, "svg"},
                                                                   {ModelFamily::kPose, "pose"}};
};
FORESIGHT_JSON_ENUM(ModelFamily)

}  // namespace foresight

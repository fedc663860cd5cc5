// The metadata inside exported models: frame sizes and condition sizes of both families, family
// and condition kind that must agree, and pose files written before image_height / noise_scale
// existed still reading as they were meant.
#include <gtest/gtest.h>

#include "common/model/model_file.hpp"
#include "common/model/model_metadata.hpp"

namespace foresight {
namespace {

TEST(ModelMetadata, FrameAndConditionSizesOfBothFamilies) {
  const ModelMetadata svg = svg_model_metadata(SvgConfig{});
  EXPECT_EQ(svg.frame_width(), 64);
  EXPECT_EQ(svg.frame_height(), 64);
  EXPECT_EQ(svg.condition_dim(), 7);  // 4 action + 3 position numbers
  PoseConfig pc;
  pc.height = 24;
  pc.width = 40;
  const ModelMetadata pose = pose_model_metadata(pc);
  EXPECT_EQ(pose.frame_width(), 40);
  EXPECT_EQ(pose.frame_height(), 24);
  EXPECT_EQ(pose.condition_dim(), 3 * 24 * 40);
  EXPECT_EQ(pose.z_dim, pc.n_dim * 24 * 40);
  EXPECT_NO_THROW(pose.validate());
  const ModelMetadata back = nlohmann::json(pose).get<ModelMetadata>();
  EXPECT_EQ(back.frame_height(), 24);
}

TEST(ModelMetadata, FamilyAndConditionKindMustAgree) {
  ModelMetadata m = svg_model_metadata(SvgConfig{});
  m.condition_kind = "pose";
  EXPECT_THROW(m.validate(), std::runtime_error);
  ModelMetadata p = pose_model_metadata(PoseConfig{});
  p.condition_kind = "telemetry";
  EXPECT_THROW(p.validate(), std::runtime_error);
  p = pose_model_metadata(PoseConfig{});
  p.noise_scale = -1;
  EXPECT_THROW(p.validate(), std::runtime_error);
}

TEST(ModelMetadata, OldPoseFilesReadAsTheyWereMeant) {
  nlohmann::json j = pose_model_metadata(PoseConfig{});
  j.erase("image_height");
  j.erase("noise_scale");
  const ModelMetadata m = j.get<ModelMetadata>();
  EXPECT_EQ(m.frame_height(), 32);  // from model_config.height
  EXPECT_EQ(m.frame_width(), 64);
  EXPECT_DOUBLE_EQ(m.noise_scale, 0.5);
  nlohmann::json s = svg_model_metadata(SvgConfig{});
  s.erase("image_height");
  s.erase("noise_scale");
  const ModelMetadata svg = s.get<ModelMetadata>();
  EXPECT_EQ(svg.frame_height(), 64);
  EXPECT_DOUBLE_EQ(svg.noise_scale, 1.0);
}

}  // namespace
}  // namespace foresight

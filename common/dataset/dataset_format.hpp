// The on-disk robot-pushing dataset layout (the converted BAIR layout used by the seed reports):
//
//   ROOT/{train,validate,test}/<group>/<sequence>/
//       0.png ... (T-1).png          64x64 RGB frames (T is 30 for BAIR)
//       actions.csv                  T rows of 4 floats: dx, dy, dz, gripper
//       endeffector_positions.csv    T rows of 3 floats: x, y, z
//
// The per-step condition is the 7 numbers action ++ position. docs/dataset.md lists the CSV
// variations the reader accepts.
#pragma once
#include <array>
#include <string>

namespace foresight {

constexpr int kImageSize = 64;
constexpr int kImageChannels = 3;
constexpr int kActionDim = 4;
constexpr int kPositionDim = 3;
constexpr int kConditionDim = kActionDim + kPositionDim;
constexpr const char* kActionsFile = "actions.csv";
constexpr const char* kPositionsFile = "endeffector_positions.csv";
inline const std::array<std::string, 3> kSplits = {"train", "validate", "test"};
// Names of the 7 condition numbers, in order (embedded in exported models' metadata).
inline const std::array<std::string, kConditionDim> kConditionNames = {
    "action_dx", "action_dy", "action_dz", "action_gripper", "eef_x", "eef_y", "eef_z"};

}  // namespace foresight

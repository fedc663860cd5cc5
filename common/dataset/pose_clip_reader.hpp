// Reads pose-conditioned clips (the dance world's format, docs/dataset.md):
//
//   ROOT/{train,val}/<clip>/frames/0.png ... (T-1).png   RGB frames, 32x64 (H x W)
//   ROOT/{train,val}/<clip>/labels/0.png ... (T-1).png   pose images of the same frames
//
// Label t is the pose of frame t. Every malformed input raises DatasetError naming the file.
#pragma once
#include <ATen/core/Tensor.h>

#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include "common/dataset/sequence_reader.hpp"

namespace foresight {

constexpr const char* kPoseFramesDir = "frames";
constexpr const char* kPoseLabelsDir = "labels";
constexpr int kPoseHeight = 32;
constexpr int kPoseWidth = 64;
inline const std::array<std::string, 2> kPoseSplits = {"train", "val"};

struct PoseClip {
  at::Tensor frames;  // [T, 3, H, W] float32 in [0, 1], RGB
  at::Tensor labels;  // [T, 3, H, W] float32 in [0, 1], RGB
  std::string name;   // clip folder name
};

// Clip folders of ROOT/split in natural order (hidden folders and files ignored). Throws
// DatasetError when ROOT/split does not exist or holds no clip.
std::vector<std::filesystem::path> list_pose_clips(const std::filesystem::path& root,
                                                   const std::string& split);

// Frames in a clip: checks that frames/ and labels/ exist, are numbered 0..T-1 without gaps and
// hold the same count. Throws DatasetError naming the missing folder or file.
int count_pose_clip_frames(const std::filesystem::path& clip_dir);

// Loads frames and labels [start, start + length) (length -1: to the end of the clip), each image
// checked as read_rgb_image does. Throws DatasetError naming the file; std::invalid_argument for a
// negative start or a length of 0 or below -1.
PoseClip load_pose_clip(const std::filesystem::path& clip_dir, int start = 0, int length = -1,
                        int height = kPoseHeight, int width = kPoseWidth);

}  // namespace foresight

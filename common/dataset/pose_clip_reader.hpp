// Reads pose-conditioned video in the seed report's layout (docs/dataset.md):
//
//   ROOT/train/train_img/frameN.png     RGB frames, 32x64 (H x W) by default
//   ROOT/train/train_label/frameN.png   the pose image of the frame of the same name
//   ROOT/val/val_img/..., ROOT/val/val_label/...
//
// A split is one long video: its frames in the order of N. Clips are windows of consecutive
// frames (16 for training, 630 for the validation rollout). Every malformed input raises
// DatasetError naming the file.
#pragma once
#include <ATen/core/Tensor.h>

#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include "common/dataset/sequence_reader.hpp"

namespace foresight {

constexpr int kPoseHeight = 32;
constexpr int kPoseWidth = 64;
inline const std::array<std::string, 2> kPoseSplits = {"train", "val"};

// ROOT/split/split_img and ROOT/split/split_label.
std::filesystem::path pose_image_dir(const std::filesystem::path& root, const std::string& split);
std::filesystem::path pose_label_dir(const std::filesystem::path& root, const std::string& split);

// N of "frameN.png": N in decimal, leading zeros allowed; extension .png, .jpg or .jpeg in any
// case. -1 for any other name (such files are ignored).
long pose_frame_number(const std::string& filename);

// The frames of one split, in the order of N.
struct PoseSplit {
  std::filesystem::path image_dir, label_dir;
  std::vector<std::string> names;  // file names, the same under image_dir and label_dir
  int size() const { return static_cast<int>(names.size()); }
};

// Lists ROOT/split: checks that both folders exist, that the image folder holds frames, that no
// two files share a frame number, and that every frame has its pose image of the same name
// (labels without a frame are ignored). Throws DatasetError naming the folder or file.
PoseSplit open_pose_split(const std::filesystem::path& root, const std::string& split);

struct PoseClip {
  at::Tensor frames;  // [T, 3, H, W] float32 in [0, 1], RGB
  at::Tensor labels;  // [T, 3, H, W] float32 in [0, 1], RGB
  int start = 0;      // position of the first frame in the split
};

// Loads frames and labels [start, start + length) of the split (length -1: to the end), each
// image checked as read_rgb_image does (exact size, 8/16 bit, opaque colour). Throws DatasetError
// naming the file; std::invalid_argument for a negative start, a length of 0 or below -1, or a
// non-positive size.
PoseClip load_pose_clip(const PoseSplit& split, int start = 0, int length = -1,
                        int height = kPoseHeight, int width = kPoseWidth);

// Start positions of the non-overlapping clips of `length` frames in a split of `frames` frames
// (0, length, 2 length, ...; a shorter tail is left out).
std::vector<int> pose_clip_starts(int frames, int length);

}  // namespace foresight

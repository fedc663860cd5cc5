#include "common/dataset/pose_clip_reader.hpp"

#include <ATen/ATen.h>

namespace foresight {
namespace fs = std::filesystem;

std::vector<fs::path> list_pose_clips(const fs::path& root, const std::string& split) {
  const fs::path dir = root / split;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw DatasetError(dir.string() + ": split folder does not exist");
  std::vector<fs::path> clips = sorted_subfolders(dir);
  if (clips.empty()) {
    throw DatasetError(dir.string() + ": no clip folders (expected " + dir.string() +
                       "/<clip>/{frames,labels}/)");
  }
  return clips;
}

int count_pose_clip_frames(const fs::path& clip_dir) {
  int counts[2] = {0, 0};
  const char* names[2] = {kPoseFramesDir, kPoseLabelsDir};
  for (int k = 0; k < 2; ++k) {
    const fs::path dir = clip_dir / names[k];
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw DatasetError(dir.string() + ": missing folder");
    counts[k] = count_frames(dir);
    if (counts[k] == 0) throw DatasetError(dir.string() + ": no images (expected 0.png ...)");
  }
  if (counts[0] != counts[1]) {
    // Name the first image that has no partner, so the user knows which side is short.
    const int k = counts[0] < counts[1] ? 0 : 1;
    throw DatasetError((clip_dir / names[k] / (std::to_string(counts[k]) + ".png")).string() +
                       ": missing (frames/ has " + std::to_string(counts[0]) + " images, labels/ has " +
                       std::to_string(counts[1]) + "; every frame needs its label)");
  }
  return counts[0];
}

PoseClip load_pose_clip(const fs::path& clip_dir, int start, int length, int height, int width) {
  if (start < 0 || length == 0 || length < -1 || height < 1 || width < 1) {
    throw std::invalid_argument("load_pose_clip: need start >= 0, length >= 1 or -1, a positive size");
  }
  const int frames = count_pose_clip_frames(clip_dir);
  if (length == -1) length = frames - start;
  if (length < 1 || start + length > frames) {
    throw DatasetError((clip_dir / kPoseFramesDir / (std::to_string(frames) + ".png")).string() +
                       ": missing frame (the clip has " + std::to_string(frames) +
                       " frames, the window " + std::to_string(start) + ".." +
                       std::to_string(start + length - 1) + " needs it)");
  }
  PoseClip clip;
  clip.name = clip_dir.filename().string();
  clip.frames = at::empty({length, 3, height, width}, at::kFloat);
  clip.labels = at::empty({length, 3, height, width}, at::kFloat);
  const size_t image_floats = static_cast<size_t>(3) * height * width;
  for (int t = 0; t < length; ++t) {
    const std::string name = std::to_string(start + t) + ".png";
    read_rgb_image(clip_dir / kPoseFramesDir / name, height, width,
                   clip.frames.data_ptr<float>() + t * image_floats);
    read_rgb_image(clip_dir / kPoseLabelsDir / name, height, width,
                   clip.labels.data_ptr<float>() + t * image_floats);
  }
  return clip;
}

}  // namespace foresight

#include "common/dataset/pose_clip_reader.hpp"

#include <ATen/ATen.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace foresight {
namespace fs = std::filesystem;

fs::path pose_image_dir(const fs::path& root, const std::string& split) {
  return root / split / (split + "_img");
}

fs::path pose_label_dir(const fs::path& root, const std::string& split) {
  return root / split / (split + "_label");
}

long pose_frame_number(const std::string& name) {
  const size_t dot = name.rfind('.');
  if (name.rfind("frame", 0) != 0 || dot == std::string::npos || dot <= 5) return -1;
  std::string ext = name.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (ext != "png" && ext != "jpg" && ext != "jpeg") return -1;
  const std::string digits = name.substr(5, dot - 5);
  if (digits.size() > 9) return -1;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return -1;
  }
  return std::stol(digits);
}

PoseSplit open_pose_split(const fs::path& root, const std::string& split) {
  PoseSplit s;
  s.image_dir = pose_image_dir(root, split);
  s.label_dir = pose_label_dir(root, split);
  for (const fs::path& dir : {s.image_dir, s.label_dir}) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw DatasetError(dir.string() + ": missing folder");
  }
  std::map<long, std::string> by_number;
  std::error_code ec;
  for (fs::directory_iterator it(s.image_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const long n = pose_frame_number(name);
    if (n < 0) continue;
    auto [pos, inserted] = by_number.emplace(n, name);
    if (!inserted) {
      const auto& [a, b] = std::minmax(pos->second, name);
      throw DatasetError((s.image_dir / b).string() + ": frame number " + std::to_string(n) +
                         " already used by " + a);
    }
  }
  if (ec) throw DatasetError(s.image_dir.string() + ": cannot list folder: " + ec.message());
  if (by_number.empty()) {
    throw DatasetError(s.image_dir.string() + ": no frames (expected frame0.png, frame1.png, ...)");
  }
  s.names.reserve(by_number.size());
  for (auto& [n, name] : by_number) {
    if (!fs::exists(s.label_dir / name)) {
      throw DatasetError((s.label_dir / name).string() + ": missing (the pose image of " +
                         (s.image_dir / name).string() + ")");
    }
    s.names.push_back(std::move(name));
  }
  return s;
}

PoseClip load_pose_clip(const PoseSplit& s, int start, int length, int height, int width) {
  if (start < 0 || length == 0 || length < -1 || height < 1 || width < 1) {
    throw std::invalid_argument(
        "load_pose_clip: need start >= 0, length >= 1 or -1, a positive size");
  }
  if (length == -1) length = s.size() - start;
  if (length < 1 || start + length > s.size()) {
    throw DatasetError(s.image_dir.string() + ": the clip of frames " + std::to_string(start) +
                       ".." + std::to_string(start + length - 1) + " needs more frames than the " +
                       std::to_string(s.size()) + " there");
  }
  PoseClip clip;
  clip.start = start;
  clip.frames = at::empty({length, 3, height, width}, at::kFloat);
  clip.labels = at::empty({length, 3, height, width}, at::kFloat);
  const size_t image_floats = static_cast<size_t>(3) * height * width;
  for (int t = 0; t < length; ++t) {
    const std::string& name = s.names[static_cast<size_t>(start + t)];
    read_rgb_image(s.image_dir / name, height, width,
                   clip.frames.data_ptr<float>() + t * image_floats);
    read_rgb_image(s.label_dir / name, height, width,
                   clip.labels.data_ptr<float>() + t * image_floats);
  }
  return clip;
}

std::vector<int> pose_clip_starts(int frames, int length) {
  std::vector<int> starts;
  for (int s = 0; length > 0 && s + length <= frames; s += length) starts.push_back(s);
  return starts;
}

}  // namespace foresight

// file://FOLDER: a dataset sequence folder (0.png ... (T-1).png), or a pose split's image or label
// folder (frameN.png, in the order of N), replayed at a fixed rate, so a recorded episode can
// stand in for a live camera; the i-th frame has seq i + 1.
#include <spdlog/spdlog.h>

#include <map>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <thread>
#include <vector>

#include "common/dataset/pose_clip_reader.hpp"
#include "common/dataset/sequence_reader.hpp"
#include "common/util/host.hpp"
#include "edge/camera/camera_backends.hpp"

namespace foresight::camera_detail {
namespace {

class ImageFolderCamera final : public Camera {
 public:
  ImageFolderCamera(std::string uri, std::vector<std::filesystem::path> files,
                    const CameraOptions& options)
      : uri_(std::move(uri)),
        files_(std::move(files)),
        frames_(static_cast<int>(files_.size())),
        period_(std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(1.0 / options.fps))),
        loop_(options.loop),
        next_due_(Clock::now()) {}

  std::string uri() const override { return uri_; }

  CaptureStatus capture(CapturedFrame& out, std::chrono::milliseconds timeout) override {
    if (!loop_ && index_ >= static_cast<uint64_t>(frames_)) return CaptureStatus::end_of_stream;
    const auto now = Clock::now();
    if (next_due_ > now) {
      if (next_due_ - now > timeout) {
        std::this_thread::sleep_for(timeout);
        return CaptureStatus::timeout;
      }
      std::this_thread::sleep_until(next_due_);
    }
    // A late reader does not get a burst of catch-up frames: the schedule restarts from now.
    next_due_ = std::max(next_due_ + period_, Clock::now());
    const auto& file = files_[index_ % files_.size()];
    cv::Mat bgr = cv::imread(file.string(), cv::IMREAD_COLOR);
    if (bgr.empty()) {
      spdlog::error("camera {}: cannot read {}", uri_, file.string());
      return CaptureStatus::error;
    }
    cv::cvtColor(bgr, out.rgb, cv::COLOR_BGR2RGB);
    out.seq = ++index_;
    out.timestamp_ns = wall_clock_ns();
    return CaptureStatus::ok;
  }

 private:
  using Clock = std::chrono::steady_clock;
  std::string uri_;
  std::vector<std::filesystem::path> files_;
  int frames_;
  Clock::duration period_;
  bool loop_;
  Clock::time_point next_due_;
  uint64_t index_ = 0;
};

// The pose layout's frameN.png files in the order of N; empty when there are none.
std::vector<std::filesystem::path> numbered_pose_frames(const std::filesystem::path& folder) {
  std::map<long, std::filesystem::path> by_number;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(folder, ec), end; !ec && it != end;
       it.increment(ec)) {
    const long n = pose_frame_number(it->path().filename().string());
    if (n >= 0) by_number.emplace(n, it->path());
  }
  std::vector<std::filesystem::path> files;
  for (auto& [n, path] : by_number) files.push_back(path);
  return files;
}

}  // namespace

std::unique_ptr<Camera> open_image_folder(const std::string& uri,
                                          const std::filesystem::path& folder,
                                          const CameraOptions& options) {
  std::vector<std::filesystem::path> files = numbered_pose_frames(folder);
  if (files.empty()) {
    int frames = 0;
    try {
      frames = count_frames(folder);
    } catch (const std::exception& e) {
      throw CameraError("camera " + uri + ": " + e.what());
    }
    for (int i = 0; i < frames; ++i) files.push_back(folder / (std::to_string(i) + ".png"));
  }
  if (files.empty()) {
    throw CameraError("camera " + uri + ": the folder holds no 0.png, 1.png, ... nor frameN.png");
  }
  return std::make_unique<ImageFolderCamera>(uri, std::move(files), options);
}

}  // namespace foresight::camera_detail

// file://FOLDER: a dataset sequence folder (0.png ... (T-1).png) replayed at a fixed rate, so a
// recorded episode can stand in for a live camera; frame i has seq i + 1.
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <spdlog/spdlog.h>

#include <thread>

#include "common/dataset/sequence_reader.hpp"
#include "edge/camera/camera_backends.hpp"

namespace foresight::camera_detail {
namespace {

class ImageFolderCamera final : public Camera {
 public:
  ImageFolderCamera(std::string uri, std::filesystem::path folder, int frames,
                    const CameraOptions& options)
      : uri_(std::move(uri)),
        folder_(std::move(folder)),
        frames_(frames),
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
    const auto file = folder_ / (std::to_string(index_ % frames_) + ".png");
    cv::Mat bgr = cv::imread(file.string(), cv::IMREAD_COLOR);
    if (bgr.empty()) {
      spdlog::error("camera {}: cannot read {}", uri_, file.string());
      return CaptureStatus::error;
    }
    cv::cvtColor(bgr, out.rgb, cv::COLOR_BGR2RGB);
    out.seq = ++index_;
    out.timestamp_ns = now_ns();
    return CaptureStatus::ok;
  }

 private:
  using Clock = std::chrono::steady_clock;
  std::string uri_;
  std::filesystem::path folder_;
  int frames_;
  Clock::duration period_;
  bool loop_;
  Clock::time_point next_due_;
  uint64_t index_ = 0;
};

}  // namespace

std::unique_ptr<Camera> open_image_folder(const std::string& uri,
                                          const std::filesystem::path& folder,
                                          const CameraOptions& options) {
  int frames = 0;
  try {
    frames = count_frames(folder);
  } catch (const std::exception& e) {
    throw CameraError("camera " + uri + ": " + e.what());
  }
  if (frames == 0) throw CameraError("camera " + uri + ": the folder holds no 0.png, 1.png, ...");
  return std::make_unique<ImageFolderCamera>(uri, folder, frames, options);
}

}  // namespace foresight::camera_detail

// v4l2:///dev/videoN and file://VIDEO through cv::VideoCapture. A live device delivers at its own
// rate; a video file is paced to the configured fps like a camera would be.
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <thread>

#include "common/util/host.hpp"
#include "edge/camera/camera_backends.hpp"

namespace foresight::camera_detail {
namespace {

class VideoCaptureCamera final : public Camera {
 public:
  VideoCaptureCamera(std::string uri, cv::VideoCapture capture, bool paced,
                     const CameraOptions& options)
      : uri_(std::move(uri)),
        capture_(std::move(capture)),
        paced_(paced),
        period_(std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(1.0 / options.fps))),
        next_due_(Clock::now()) {}

  std::string uri() const override { return uri_; }

  CaptureStatus capture(CapturedFrame& out, std::chrono::milliseconds timeout) override {
    if (paced_) {
      const auto now = Clock::now();
      if (next_due_ - now > timeout) {
        std::this_thread::sleep_for(timeout);
        return CaptureStatus::timeout;
      }
      std::this_thread::sleep_until(next_due_);
      next_due_ = std::max(next_due_ + period_, Clock::now());
    }
    // cv::VideoCapture::read blocks for the device's next frame; V4L2 has its own timeout.
    cv::Mat bgr;
    if (!capture_.read(bgr) || bgr.empty()) {
      return paced_ ? CaptureStatus::end_of_stream : CaptureStatus::error;
    }
    if (bgr.channels() == 1) {
      cv::cvtColor(bgr, out.rgb, cv::COLOR_GRAY2RGB);
    } else {
      cv::cvtColor(bgr, out.rgb, cv::COLOR_BGR2RGB);
    }
    out.seq = ++count_;
    out.timestamp_ns = wall_clock_ns();
    return CaptureStatus::ok;
  }

 private:
  using Clock = std::chrono::steady_clock;
  std::string uri_;
  cv::VideoCapture capture_;
  bool paced_;
  Clock::duration period_;
  Clock::time_point next_due_;
  uint64_t count_ = 0;
};

}  // namespace

std::unique_ptr<Camera> open_video_capture(const std::string& uri, const std::string& path, int api,
                                           bool paced, const CameraOptions& options) {
  cv::VideoCapture capture;
  try {
    capture.open(path, api);
  } catch (const cv::Exception&) {
    // Reported below as "cannot open": OpenCV's own text names its internals, not the problem.
  }
  if (!capture.isOpened()) {
    throw CameraError(paced ? "cannot open video " + uri : "no camera at " + uri);
  }
  return std::make_unique<VideoCaptureCamera>(uri, std::move(capture), paced, options);
}

}  // namespace foresight::camera_detail

// Frame sources chosen by URI (jetson-utils style): `file://PATH` replays a dataset sequence
// folder (N.png) or a video file at a fixed rate, `v4l2:///dev/videoN` reads a USB camera through
// OpenCV, `libcamera://N` (or `csi://N`) reads camera N through libcamera. Every source has one
// capture call that takes a timeout and returns a status; adding a backend is adding one file.
// `socket` means no local camera: frames arrive over the telemetry connection.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <opencv2/core.hpp>
#include <stdexcept>
#include <string>

namespace foresight {

class CameraError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class CaptureStatus { ok, timeout, end_of_stream, error };

struct CapturedFrame {
  cv::Mat rgb;                // CV_8UC3, R,G,B
  uint64_t seq = 0;           // 1, 2, ...: pairs with the telemetry of the same seq
  uint64_t timestamp_ns = 0;  // capture time, system clock
};

struct CameraOptions {
  double fps = 10.0;  // replay rate of file:// sources (live cameras run at their own)
  bool loop = false;  // file://: start again after the last frame (seq keeps counting)
};

class Camera {
 public:
  virtual ~Camera() = default;
  virtual std::string uri() const = 0;
  // Waits up to `timeout` for the next frame. ok: `out` holds it; timeout: none yet;
  // end_of_stream: a finite source is done; error: the device failed (see the log).
  virtual CaptureStatus capture(CapturedFrame& out, std::chrono::milliseconds timeout) = 0;
};

// Returns the source for `uri`, or nullptr for "socket". Throws CameraError with a sentence for
// people ("no camera at v4l2:///dev/video0", "unknown camera URI ...") when it cannot be opened.
std::unique_ptr<Camera> open_camera(const std::string& uri, const CameraOptions& options = {});

}  // namespace foresight

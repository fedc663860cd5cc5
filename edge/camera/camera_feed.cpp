#include "edge/camera/camera_feed.hpp"

#include <spdlog/spdlog.h>

#include "edge/session/prediction_session.hpp"

namespace foresight {
namespace {
constexpr std::chrono::milliseconds kCaptureTimeout{200};  // bounds how long stop() waits
}

CameraFeed::CameraFeed(std::unique_ptr<Camera> camera, PredictionSession& session, FrameKind kind)
    : camera_(std::move(camera)), session_(session), kind_(kind) {
  thread_ = std::thread([this] { run(); });
}

CameraFeed::~CameraFeed() { stop(); }

void CameraFeed::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void CameraFeed::run() {
  CapturedFrame frame;
  while (!stopping_) {
    const CaptureStatus status = camera_->capture(frame, kCaptureTimeout);
    if (status == CaptureStatus::timeout) continue;
    if (status == CaptureStatus::end_of_stream) {
      spdlog::info("camera {}: end of stream", camera_->uri());
      break;
    }
    if (status == CaptureStatus::error) {
      spdlog::error("camera {}: capture failed; no more frames from it", camera_->uri());
      break;
    }
    try {
      if (kind_ == FrameKind::label) {
        // The label camera shows the pose of the camera frame with the same capture seq: that
        // pose conditions the prediction made at the step before it.
        if (frame.seq > 1) session_.on_label(frame.seq - 1, frame.timestamp_ns, frame.rgb, 0);
      } else {
        session_.on_frame(frame.seq, frame.timestamp_ns, frame.rgb, 0);
      }
    } catch (const std::exception& e) {
      spdlog::warn("camera {}: frame {} refused: {}", camera_->uri(), frame.seq, e.what());
    }
  }
  finished_ = true;
}

}  // namespace foresight

#include "edge/camera/camera_feed.hpp"

#include <spdlog/spdlog.h>

#include "edge/session/prediction_session.hpp"

namespace foresight {
namespace {
constexpr std::chrono::milliseconds kCaptureTimeout{200};  // bounds how long stop() waits
}

CameraFeed::CameraFeed(std::unique_ptr<Camera> camera, PredictionSession& session)
    : camera_(std::move(camera)), session_(session) {
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
      session_.on_frame(frame.seq, frame.timestamp_ns, frame.rgb, 0);
    } catch (const std::exception& e) {
      spdlog::warn("camera {}: frame {} refused: {}", camera_->uri(), frame.seq, e.what());
    }
  }
  finished_ = true;
}

}  // namespace foresight

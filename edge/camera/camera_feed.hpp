// Pumps a local camera into the PredictionSession on its own thread (capture blocks), until the
// source ends or stop() is called. A feed of kind `label` delivers pose images (a second camera
// URI for a pose-conditioned model): its frame with capture seq s is the pose of camera frame s,
// so it becomes the label of step s - 1 (the condition of predicting frame s from frame s - 1).
#pragma once
#include <atomic>
#include <memory>
#include <thread>

#include "common/protocol/messages.hpp"
#include "edge/camera/camera.hpp"

namespace foresight {

class PredictionSession;

class CameraFeed {
 public:
  // Starts the thread at once; `session` must outlive the feed.
  CameraFeed(std::unique_ptr<Camera> camera, PredictionSession& session,
             FrameKind kind = FrameKind::camera);
  ~CameraFeed();  // stops
  CameraFeed(const CameraFeed&) = delete;
  CameraFeed& operator=(const CameraFeed&) = delete;

  // Stops and joins (within one capture timeout); idempotent.
  void stop();
  bool finished() const { return finished_.load(); }

 private:
  void run();
  std::unique_ptr<Camera> camera_;
  PredictionSession& session_;
  FrameKind kind_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> finished_{false};
  std::thread thread_;
};

}  // namespace foresight

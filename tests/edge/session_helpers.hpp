// Helpers for tests that drive a PredictionSession: frames and telemetry from the synthetic
// pushing world, and a sink that collects results.
#pragma once
#include <mutex>
#include <vector>

#include "common/protocol/messages.hpp"
#include "common/world/pushing_world.hpp"
#include "edge/session/frame_preprocess.hpp"
#include "edge/session/prediction_session.hpp"

namespace foresight::testing {

inline Image png_of(const cv::Mat& rgb) {
  Image img;
  img.encoding = ImageEncoding::png;
  img.bytes = encode_png(rgb);
  return img;
}

inline Frame camera_frame(const cv::Mat& rgb) {
  Frame f;
  f.image = png_of(rgb);
  return f;
}

inline Telemetry telemetry_of(const PushingWorld& world, uint32_t episode = 1) {
  Telemetry t;
  t.episode_id = episode;
  const auto a = world.action();
  const auto p = world.position();
  t.action.assign(a.begin(), a.end());
  t.position.assign(p.begin(), p.end());
  return t;
}

class ResultCollector {
 public:
  ResultSink sink() {
    return [this](const StepResult& r) {
      std::lock_guard<std::mutex> lock(mu_);
      results_.push_back(r);
    };
  }
  std::vector<StepResult> take() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(results_, {});
  }

 private:
  std::mutex mu_;
  std::vector<StepResult> results_;
};

}  // namespace foresight::testing

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

// A valid PNG (or JPEG) of a small image whose header claims width x height: what a
// decompression bomb looks like before decoding (the real one compresses 12000 x 12000 into 419
// KB).
inline std::vector<uint8_t> png_claiming(uint32_t width, uint32_t height) {
  std::vector<uint8_t> png = encode_png(cv::Mat(4, 4, CV_8UC3, cv::Scalar(9, 9, 9)));
  auto put_be32 = [&](size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) png[at + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
  };
  put_be32(16, width);  // IHDR data starts at 16: width, height
  put_be32(20, height);
  uint32_t crc = 0xffffffffu;  // CRC-32 of the chunk's type and data (bytes 12..28)
  for (size_t i = 12; i < 29; ++i) {
    crc ^= png[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  put_be32(29, ~crc);
  return png;
}

inline std::vector<uint8_t> jpeg_claiming(uint16_t width, uint16_t height) {
  std::vector<uint8_t> jpeg = encode_jpeg(cv::Mat(8, 8, CV_8UC3, cv::Scalar(9, 9, 9)));
  for (size_t i = 2; i + 9 < jpeg.size(); ++i) {
    if (jpeg[i] == 0xff && jpeg[i + 1] == 0xc0) {  // SOF0: length, precision, height, width
      jpeg[i + 5] = static_cast<uint8_t>(height >> 8);
      jpeg[i + 6] = static_cast<uint8_t>(height);
      jpeg[i + 7] = static_cast<uint8_t>(width >> 8);
      jpeg[i + 8] = static_cast<uint8_t>(width);
      break;
    }
  }
  return jpeg;
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

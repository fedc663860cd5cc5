#include "common/dataset/sequence_writer.hpp"

#include <cstdio>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <string>

namespace foresight {
namespace fs = std::filesystem;
namespace {

void append_row(std::string& csv, const float* values, std::size_t count) {
  char buf[32];
  for (std::size_t i = 0; i < count; ++i) {
    std::snprintf(buf, sizeof buf, i == 0 ? "%.9g" : ",%.9g", static_cast<double>(values[i]));
    csv += buf;
  }
  csv += '\n';
}

void write_text(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) throw std::runtime_error(file.string() + ": write failed");
}

}  // namespace

void write_sequence_folder(const fs::path& dir, const std::vector<cv::Mat>& rgb_frames,
                           const std::vector<std::array<float, kActionDim>>& actions,
                           const std::vector<std::array<float, kPositionDim>>& positions) {
  if (actions.size() != rgb_frames.size() || positions.size() != rgb_frames.size()) {
    throw std::invalid_argument(
        "write_sequence_folder: frames, actions and positions differ in count");
  }
  cv::Mat bgr;
  std::string action_rows, position_rows;
  for (std::size_t t = 0; t < rgb_frames.size(); ++t) {
    cv::cvtColor(rgb_frames[t], bgr, cv::COLOR_RGB2BGR);
    const fs::path png = dir / (std::to_string(t) + ".png");
    if (!cv::imwrite(png.string(), bgr)) throw std::runtime_error(png.string() + ": write failed");
    append_row(action_rows, actions[t].data(), actions[t].size());
    append_row(position_rows, positions[t].data(), positions[t].size());
  }
  write_text(dir / kActionsFile, action_rows);
  write_text(dir / kPositionsFile, position_rows);
}

}  // namespace foresight

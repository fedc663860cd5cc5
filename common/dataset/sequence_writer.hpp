// Writes one sequence folder of the dataset layout (dataset_format.hpp): the synthetic world's
// writer and the BAIR converter both end here, so the files they produce look alike.
#pragma once
#include <array>
#include <filesystem>
#include <opencv2/core.hpp>
#include <vector>

#include "common/dataset/dataset_format.hpp"

namespace foresight {

// Frames (CV_8UC3, R,G,B) as 0.png .. (T-1).png with OpenCV's default PNG settings (the fastest to
// write; stronger zlib levels save a fifth of the space at twice the time), actions.csv and
// endeffector_positions.csv with one row per frame, floats as %.9g (they read back as the same
// float32). The three vectors have the same length. Writes straight into `dir` (callers stage and
// rename for atomicity). Throws std::runtime_error naming the file when a write fails.
void write_sequence_folder(const std::filesystem::path& dir, const std::vector<cv::Mat>& rgb_frames,
                           const std::vector<std::array<float, kActionDim>>& actions,
                           const std::vector<std::array<float, kPositionDim>>& positions);

}  // namespace foresight

// Animated GIFs of predicted sequences (OpenCV 4.6 cannot write GIF, giflib can).
// One 256-colour palette is fitted to all frames with k-means on a pixel sample (fixed seed, so
// the same frames give the same bytes); the animation loops forever.
#pragma once
#include <filesystem>
#include <opencv2/core.hpp>
#include <vector>

namespace foresight {

// Writes `out` atomically with mode 0666 & ~umask (giflib's own file opener would make it 0600).
// frames_rgb: CV_8UC3 in RGB order, all the same size; delay per frame in 1/100 s; scale >= 1
// enlarges each pixel to scale x scale (nearest), which keeps 64x64 frames legible.
// Throws std::invalid_argument when frames are empty, differ in size or type, or scale/delay are
// out of range (the GIF limits: 65535 pixels a side, delay 0..65535); std::runtime_error when
// encoding or writing fails.
void write_gif(const std::filesystem::path& out, const std::vector<cv::Mat>& frames_rgb,
               int delay_centiseconds = 20, int scale = 1);

// Returns the frames of a GIF as full-canvas CV_8UC3 RGB images (sub-rectangle frames are drawn
// over the previous one). Throws std::runtime_error naming the file when it cannot be decoded.
std::vector<cv::Mat> read_gif(const std::filesystem::path& path);

}  // namespace foresight

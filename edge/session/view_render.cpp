#include "edge/session/view_render.hpp"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace foresight {

cv::Mat uncertainty_to_rgb(const at::Tensor& std_chw, double full_scale) {
  at::Tensor gray = std_chw.detach()
                        .to(at::kCPU, at::kFloat)
                        .mean(0)
                        .div(full_scale)
                        .clamp(0.0, 1.0)
                        .mul(255.0)
                        .round()
                        .to(at::kByte)
                        .contiguous();
  cv::Mat g(static_cast<int>(gray.size(0)), static_cast<int>(gray.size(1)), CV_8UC1,
            gray.data_ptr<uint8_t>());
  cv::Mat bgr, rgb;
  cv::applyColorMap(g, bgr, cv::COLORMAP_INFERNO);
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

cv::Mat resize_square(const cv::Mat& rgb, int side) {
  if (rgb.cols == side && rgb.rows == side) return rgb;
  cv::Mat out;
  cv::resize(rgb, out, cv::Size(side, side), 0, 0,
             rgb.cols < side ? cv::INTER_NEAREST : cv::INTER_AREA);
  return out;
}

cv::Mat resize_to_width(const cv::Mat& rgb, int width) {
  const int height =
      std::max(1, static_cast<int>(std::lround(static_cast<double>(rgb.rows) * width / rgb.cols)));
  if (rgb.cols == width && rgb.rows == height) return rgb;
  cv::Mat out;
  cv::resize(rgb, out, cv::Size(width, height), 0, 0,
             rgb.cols < width ? cv::INTER_NEAREST : cv::INTER_AREA);
  return out;
}

cv::Mat side_by_side(const std::vector<std::pair<std::string, cv::Mat>>& tiles, int tile) {
  return side_by_side(tiles, tile, tile);
}

cv::Mat side_by_side(const std::vector<std::pair<std::string, cv::Mat>>& tiles, int tile_width,
                     int tile_height) {
  cv::Mat out(tile_height, tile_width * static_cast<int>(tiles.size()), CV_8UC3,
              cv::Scalar(64, 64, 64));
  for (size_t i = 0; i < tiles.size(); ++i) {
    cv::Mat slot = out(cv::Rect(static_cast<int>(i) * tile_width, 0, tile_width, tile_height));
    if (!tiles[i].second.empty()) {
      cv::Mat scaled;
      cv::resize(tiles[i].second, scaled, cv::Size(tile_width, tile_height), 0, 0,
                 tiles[i].second.cols < tile_width ? cv::INTER_NEAREST : cv::INTER_AREA);
      scaled.copyTo(slot);
    }
    const double scale = std::min(tile_width, tile_height) / 256.0;
    const cv::Point at(4, 4 + static_cast<int>(14 * scale) + 2);
    cv::putText(slot, tiles[i].first, at, cv::FONT_HERSHEY_SIMPLEX, 0.45 * scale,
                cv::Scalar(0, 0, 0), 3, cv::LINE_AA);
    cv::putText(slot, tiles[i].first, at, cv::FONT_HERSHEY_SIMPLEX, 0.45 * scale,
                cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
  }
  return out;
}

}  // namespace foresight

// Pictures for people watching the daemon (the ViewHub views): the per-pixel uncertainty as a
// colour map, and labelled tiles side by side. Model-size images are enlarged with nearest
// neighbour so the viewer sees the model's real pixels.
#pragma once
#include <ATen/core/Tensor.h>

#include <opencv2/core.hpp>
#include <string>
#include <utility>
#include <vector>

namespace foresight {

// Mean over channels of a [3, H, W] std tensor, mapped onto the inferno colour map with
// `full_scale` (in [0, 1] pixel units) as the top colour, so frames compare on a fixed scale.
cv::Mat uncertainty_to_rgb(const at::Tensor& std_chw, double full_scale = 0.25);

// `rgb` (CV_8UC3) scaled to side x side: nearest neighbour when enlarging, area when shrinking.
cv::Mat resize_square(const cv::Mat& rgb, int side);

// `rgb` scaled to `width` columns, keeping its aspect ratio (non-square models' frames).
cv::Mat resize_to_width(const cv::Mat& rgb, int width);

// Tiles (label, CV_8UC3 RGB) scaled to tile_width x tile_height and joined left to right, labels
// drawn in the top-left corner. An empty image becomes a grey tile.
cv::Mat side_by_side(const std::vector<std::pair<std::string, cv::Mat>>& tiles, int tile_width,
                     int tile_height);
cv::Mat side_by_side(const std::vector<std::pair<std::string, cv::Mat>>& tiles, int tile);

}  // namespace foresight

// Pictures of predictions: tensors to RGB images, grids of frames (sequence x time) for PNGs, and
// per-time-step frames of several sequences side by side for GIFs (gif_writer.hpp).
// Images here are CV_8UC3 in RGB order; only write_png_rgb converts to OpenCV's BGR.
#pragma once
#include <ATen/core/ATen_fwd.h>

#include <filesystem>
#include <opencv2/core.hpp>
#include <vector>

#include "common/util/image_tensor.hpp"  // tensor_to_rgb

namespace foresight {

// Returns one image per time step of a [T,C,H,W] tensor, as tensor_to_rgb. Throws as it does.
std::vector<cv::Mat> tensor_to_rgb_frames(const at::Tensor& tchw);

// Returns rows[r][c] laid out as a grid on white with `pad` pixels between and around cells.
// Rows may differ in length and a cell may be an empty Mat: both leave white space.
// Throws std::invalid_argument when pad < 0, no cell is non-empty, or the non-empty cells are not
// all CV_8UC3 of one size.
cv::Mat make_grid(const std::vector<std::vector<cv::Mat>>& rows, int pad = 1);

// Writes a CV_8UC3 RGB (or CV_8UC1) image as PNG, atomically, whatever the path's extension.
// Throws std::invalid_argument for another type, std::runtime_error when encoding or writing fails.
void write_png_rgb(const std::filesystem::path& path, const cv::Mat& rgb);

// Borders that tell the viewer which frames the model saw: as in the SVG reference's GIFs, truth
// columns are framed green throughout, predicted columns green while t < n_cond and red after.
struct FrameBorders {
  int width = 0;                // pixels added around each frame; 0 draws no borders
  int n_cond = 0;               // time steps [0, n_cond) are conditioning frames
  std::vector<bool> predicted;  // one flag per column: true where the column is model output
};

// Returns one image per time step t: columns[0][t] | columns[1][t] | ... on white with `pad`
// pixels of spacing, e.g. columns = {truth_a, pred_a, truth_b, pred_b} for "truth | prediction"
// of two sequences. Empty Mats leave white cells. Throws std::invalid_argument when columns are
// empty or differ in length, when borders.width > 0 and borders.predicted does not have one flag
// per column, or as make_grid does.
std::vector<cv::Mat> side_by_side_frames(const std::vector<std::vector<cv::Mat>>& columns,
                                         const FrameBorders& borders = {}, int pad = 1);

}  // namespace foresight

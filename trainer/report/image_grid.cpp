#include "trainer/report/image_grid.hpp"

#include <ATen/ATen.h>

#include <algorithm>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <string>

#include "common/util/atomic_file.hpp"

namespace foresight {
namespace fs = std::filesystem;

namespace {

// Same shade as the SVG reference's add_border (0.7 of full scale).
const cv::Scalar kGreen(0, 179, 0);
const cv::Scalar kRed(179, 0, 0);

std::string shape_of(const at::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? "," : "") + std::to_string(t.size(i));
  return s + "]";
}

}  // namespace

std::vector<cv::Mat> tensor_to_rgb_frames(const at::Tensor& tchw) {
  if (tchw.dim() != 4) {
    throw std::invalid_argument("tensor_to_rgb_frames: expected [T,C,H,W], got " + shape_of(tchw));
  }
  std::vector<cv::Mat> frames;
  for (int64_t t = 0; t < tchw.size(0); ++t) frames.push_back(tensor_to_rgb(tchw[t]));
  return frames;
}

cv::Mat make_grid(const std::vector<std::vector<cv::Mat>>& rows, int pad) {
  if (pad < 0) throw std::invalid_argument("make_grid: pad must be >= 0");
  cv::Size cell;
  size_t cols = 0;
  for (const auto& row : rows) {
    cols = std::max(cols, row.size());
    for (const auto& m : row) {
      if (m.empty()) continue;
      if (m.type() != CV_8UC3 || (cell.area() > 0 && m.size() != cell)) {
        throw std::invalid_argument("make_grid: cells must all be CV_8UC3 of one size");
      }
      cell = m.size();
    }
  }
  if (cell.area() == 0) throw std::invalid_argument("make_grid: no non-empty cell");
  const int n_rows = int(rows.size()), n_cols = int(cols);
  cv::Mat grid(n_rows * cell.height + (n_rows + 1) * pad, n_cols * cell.width + (n_cols + 1) * pad,
               CV_8UC3, cv::Scalar::all(255));
  for (int r = 0; r < n_rows; ++r) {
    for (int c = 0; c < int(rows[r].size()); ++c) {
      if (rows[r][c].empty()) continue;
      cv::Rect at(pad + c * (cell.width + pad), pad + r * (cell.height + pad), cell.width,
                  cell.height);
      rows[r][c].copyTo(grid(at));
    }
  }
  return grid;
}

void write_png_rgb(const fs::path& path, const cv::Mat& rgb) {
  cv::Mat bgr;
  if (rgb.type() == CV_8UC3) {
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  } else if (rgb.type() == CV_8UC1) {
    bgr = rgb;
  } else {
    throw std::invalid_argument(path.string() + ": write_png_rgb takes CV_8UC3 or CV_8UC1");
  }
  std::vector<uchar> bytes;
  if (!cv::imencode(".png", bgr, bytes))
    throw std::runtime_error(path.string() + ": PNG encoding failed");
  write_file_atomically(path, std::string(bytes.begin(), bytes.end()));
}

std::vector<cv::Mat> side_by_side_frames(const std::vector<std::vector<cv::Mat>>& columns,
                                         const FrameBorders& borders, int pad) {
  if (columns.empty()) throw std::invalid_argument("side_by_side_frames: no columns");
  const size_t steps = columns[0].size();
  for (const auto& col : columns) {
    if (col.size() != steps) {
      throw std::invalid_argument("side_by_side_frames: columns differ in length (" +
                                  std::to_string(col.size()) + " vs " + std::to_string(steps) +
                                  ")");
    }
  }
  if (borders.width < 0 || (borders.width > 0 && borders.predicted.size() != columns.size())) {
    throw std::invalid_argument(
        "side_by_side_frames: borders need width >= 0 and one flag per column");
  }
  std::vector<cv::Mat> frames;
  for (size_t t = 0; t < steps; ++t) {
    std::vector<cv::Mat> row;
    for (size_t c = 0; c < columns.size(); ++c) {
      const cv::Mat& m = columns[c][t];
      if (borders.width == 0 || m.empty()) {
        row.push_back(m);
        continue;
      }
      bool seen = int(t) < borders.n_cond || !borders.predicted[c];
      cv::Mat framed;
      cv::copyMakeBorder(m, framed, borders.width, borders.width, borders.width, borders.width,
                         cv::BORDER_CONSTANT, seen ? kGreen : kRed);
      row.push_back(framed);
    }
    frames.push_back(make_grid({row}, pad));
  }
  return frames;
}

}  // namespace foresight

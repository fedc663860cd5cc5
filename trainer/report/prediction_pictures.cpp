#include "trainer/report/prediction_pictures.hpp"

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include <opencv2/imgproc.hpp>

#include "trainer/report/gif_writer.hpp"
#include "trainer/report/image_grid.hpp"

namespace foresight {
namespace fs = std::filesystem;

void write_prediction_pictures(const fs::path& dir, const std::string& prefix, const EvalResult& r,
                               int n_past) {
  if (!r.example_truth.defined()) return;
  const int64_t T = r.example_truth.size(0), E = r.example_truth.size(1);
  const int64_t S = r.example_samples.size(0);
  // GIF: for each time step one frame showing, per example, truth above the best sample.
  std::vector<cv::Mat> frames;
  for (int64_t t = 0; t < T; ++t) {
    std::vector<cv::Mat> truth_row, pred_row;
    for (int64_t e = 0; e < E; ++e) {
      truth_row.push_back(tensor_to_rgb(r.example_truth[t][e]));
      cv::Mat pred = tensor_to_rgb(r.example_samples[r.example_best[e]][t][e]);
      // Green border on conditioning frames, red on predicted ones (as the SVG reference GIFs).
      cv::Scalar colour = t < n_past ? cv::Scalar(0, 200, 0) : cv::Scalar(220, 0, 0);
      cv::rectangle(pred, cv::Rect(0, 0, pred.cols, pred.rows), colour, 1);
      pred_row.push_back(pred);
    }
    frames.push_back(make_grid({truth_row, pred_row}, 2));
  }
  write_gif(dir / (prefix + ".gif"), frames, 25, 3);
  // Strip of the first example: rows truth, best sample, up to 3 other samples.
  std::vector<std::vector<cv::Mat>> rows(1);
  for (int64_t t = 0; t < T; ++t) rows[0].push_back(tensor_to_rgb(r.example_truth[t][0]));
  std::vector<int64_t> order{r.example_best[0]};
  for (int64_t s = 0; s < S && order.size() < 4; ++s) {
    if (s != r.example_best[0]) order.push_back(s);
  }
  for (int64_t s : order) {
    std::vector<cv::Mat> row;
    for (int64_t t = 0; t < T; ++t) row.push_back(tensor_to_rgb(r.example_samples[s][t][0]));
    rows.push_back(row);
  }
  write_png_rgb(dir / (prefix + "_strip.png"), make_grid(rows, 1));
}

}  // namespace foresight

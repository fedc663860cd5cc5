// PNG line charts drawn by gnuplot (Debian's gnuplot-nox, pngcairo terminal): training curves
// from metrics.csv and free-form series such as per-step PSNR/SSIM or long-rollout PSNR per frame.
// gnuplot runs as a child process on a script and data files in a private temp folder.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace foresight {

// One line of a chart. Points where x or y is not finite are left out; x and y pair by index.
struct Series {
  std::string name;  // legend entry; empty for none
  std::vector<double> x, y;
};

// Writes `png` (640x480) with one line per series; the file is replaced atomically.
// A chart with no finite point at all is still drawn, empty and labelled "no data".
// Throws std::invalid_argument when a series has x.size() != y.size();
// std::runtime_error("gnuplot not found: install gnuplot-nox") when gnuplot is not on PATH, and
// std::runtime_error with gnuplot's messages when it fails.
void plot_series(const std::filesystem::path& png, const std::string& title,
                 const std::string& xlabel, const std::string& ylabel,
                 const std::vector<Series>& series);

// Whether an executable `gnuplot` is on PATH, which plot_series and plot_training_curves need.
bool gnuplot_on_path();

// Draws the curves of a metrics.csv (metrics_log.hpp) against epoch into out_dir: loss.png,
// mse.png, kl.png, beta.png, tfr.png, lr.png, val_psnr.png, val_ssim.png, all from one gnuplot run.
// val_psnr.png also shows `baseline_psnr` (copy-last-frame PSNR) as a horizontal line when given.
// Throws what read_metrics_csv and plot_series throw.
void plot_training_curves(const std::filesystem::path& metrics_csv,
                          const std::filesystem::path& out_dir,
                          std::optional<double> baseline_psnr = std::nullopt);

}  // namespace foresight

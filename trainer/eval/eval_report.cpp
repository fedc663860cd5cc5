#include "trainer/eval/eval_report.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <sstream>

#include "common/util/atomic_file.hpp"
#include "trainer/report/plots.hpp"
#include "trainer/report/prediction_pictures.hpp"

namespace foresight {
namespace fs = std::filesystem;

std::string format_eval_table(const EvalResult& r, const EvalOptions& opt) {
  std::ostringstream out;
  char line[200];
  std::snprintf(line, sizeof line, "%-6s %-6s | %9s %9s %9s | %8s %8s %8s\n", "step", "frame",
                "PSNR mean", "PSNR best", "PSNR copy", "SSIM mean", "SSIM best", "SSIM copy");
  out << line;
  for (size_t k = 0; k < r.psnr_mean.size(); ++k) {
    std::snprintf(line, sizeof line, "%-6zu %-6zu | %9.2f %9.2f %9.2f | %8.4f %8.4f %8.4f\n", k + 1,
                  k + opt.n_past, r.psnr_mean[k], r.psnr_best[k], r.copy_last_psnr[k],
                  r.ssim_mean[k], r.ssim_best[k], r.copy_last_ssim[k]);
    out << line;
  }
  std::snprintf(
      line, sizeof line,
      "PSNR averaged over %zu frames predicted from %d: mean %.2f dB, best of %d %.2f dB, "
      "copy-last %.2f dB (%lld sequences)\n",
      r.psnr_mean.size(), opt.n_past, r.mean_psnr(), r.samples, r.best_psnr(), r.copy_psnr(),
      static_cast<long long>(r.sequences));
  out << line;
  std::snprintf(line, sizeof line, "SSIM averaged: mean %.4f, best %.4f, copy-last %.4f\n",
                r.mean_ssim(), r.best_ssim(), r.copy_ssim());
  out << line;
  if (!r.psnr_shuffled.empty()) {
    std::snprintf(line, sizeof line,
                  "One sample under another sequence's actions and positions: PSNR %.2f dB, under "
                  "its own %.2f dB (%+.2f dB)\n",
                  r.shuffled_psnr(), r.first_sample_psnr(),
                  r.shuffled_psnr() - r.first_sample_psnr());
    out << line;
  }
  return out.str();
}

void write_eval_report(const fs::path& dir, const EvalResult& r, const EvalOptions& opt) {
  std::ostringstream csv;
  csv << "step,frame,psnr_mean,psnr_best,copy_last_psnr,ssim_mean,ssim_best,copy_last_ssim\n";
  std::vector<double> steps;
  for (size_t k = 0; k < r.psnr_mean.size(); ++k) {
    char line[200];
    std::snprintf(line, sizeof line, "%zu,%zu,%.4f,%.4f,%.4f,%.5f,%.5f,%.5f\n", k + 1,
                  k + opt.n_past, r.psnr_mean[k], r.psnr_best[k], r.copy_last_psnr[k],
                  r.ssim_mean[k], r.ssim_best[k], r.copy_last_ssim[k]);
    csv << line;
    steps.push_back(static_cast<double>(k + 1));
  }
  write_file_atomically(dir / "per_step.csv", csv.str());
  // Plots and pictures apart: the pictures need no gnuplot.
  try {
    const std::string best = "best of " + std::to_string(r.samples);
    plot_series(dir / "psnr_per_step.png", "PSNR per predicted frame", "predicted frame",
                "PSNR (dB)",
                {{"mean over samples", steps, r.psnr_mean},
                 {best, steps, r.psnr_best},
                 {"copy last frame", steps, r.copy_last_psnr}});
    plot_series(dir / "ssim_per_step.png", "SSIM per predicted frame", "predicted frame", "SSIM",
                {{"mean over samples", steps, r.ssim_mean},
                 {best, steps, r.ssim_best},
                 {"copy last frame", steps, r.copy_last_ssim}});
  } catch (const std::exception& e) {
    spdlog::warn("per-step plots not drawn (gnuplot): {}", e.what());
  }
  try {
    write_prediction_pictures(dir, "predictions", r, opt.n_past);
  } catch (const std::exception& e) {
    spdlog::warn("prediction pictures not written: {}", e.what());
  }
}

}  // namespace foresight

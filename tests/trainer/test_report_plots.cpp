// gnuplot charts: PNGs that decode to the requested size, for free-form series (with non-finite
// points and awkward names) and for the training curves of a metrics.csv. The charts are skipped
// where gnuplot is not on PATH (a bare GPU machine); the rest needs no gnuplot.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <opencv2/imgcodecs.hpp>

#include "common/util/atomic_file.hpp"
#include "support/test_support.hpp"
#include "trainer/report/metrics_log.hpp"
#include "trainer/report/plots.hpp"

namespace foresight {
namespace {
namespace fs = std::filesystem;

void expect_png(const fs::path& png) {
  ASSERT_TRUE(fs::exists(png)) << png;
  EXPECT_GT(fs::file_size(png), 1000u) << png;
  cv::Mat img = cv::imread(png.string(), cv::IMREAD_COLOR);
  ASSERT_FALSE(img.empty()) << png;
  EXPECT_EQ(img.cols, 640);
  EXPECT_EQ(img.rows, 480);
}

constexpr const char* kNoGnuplot = "gnuplot is not on PATH (Debian: gnuplot-nox)";

bool no_temporaries_left(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().find(".tmp") != std::string::npos) return false;
  }
  return true;
}

TEST(ReportPlots, SeriesSkipsNonFiniteAndQuotesNames) {
  if (!gnuplot_on_path()) GTEST_SKIP() << kNoGnuplot;
  auto dir = testing::scratch_dir("plots");
  Series a{"it's \"PSNR\" 100%_{x}", {}, {}};
  for (int t = 0; t < 30; ++t) {
    a.x.push_back(t);
    a.y.push_back(t == 5 ? NAN : (t == 6 ? INFINITY : 30.0 - 0.3 * t));
  }
  Series b{"", {1, 2, 3}, {20, 21, 22}};
  Series empty{"never", {NAN}, {1}};
  fs::path png = dir / "sub dir" / "per step.png";
  plot_series(png, "title with 'quotes'", "step", "PSNR (dB)", {a, b, empty});
  expect_png(png);
  EXPECT_TRUE(no_temporaries_left(png.parent_path()));
}

TEST(ReportPlots, EmptyChartIsStillDrawn) {
  if (!gnuplot_on_path()) GTEST_SKIP() << kNoGnuplot;
  auto dir = testing::scratch_dir("plots");
  plot_series(dir / "empty.png", "nothing", "x", "y", {});
  expect_png(dir / "empty.png");
}

TEST(ReportPlots, RejectsMismatchedSeries) {
  auto dir = testing::scratch_dir("plots");
  EXPECT_THROW(plot_series(dir / "bad.png", "t", "x", "y", {Series{"s", {1, 2}, {1}}}),
               std::invalid_argument);
  EXPECT_FALSE(fs::exists(dir / "bad.png"));
}

TEST(ReportPlots, MissingGnuplotIsNamed) {
  auto dir = testing::scratch_dir("plots");
  const char* old = std::getenv("PATH");
  std::string saved = old ? old : "";
  ::setenv("PATH", dir.c_str(), 1);
  try {
    plot_series(dir / "x.png", "t", "x", "y", {Series{"s", {1}, {1}}});
    ADD_FAILURE() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "gnuplot not found: install gnuplot-nox");
  }
  ::setenv("PATH", saved.c_str(), 1);
  EXPECT_TRUE(no_temporaries_left(dir));
}

TEST(ReportPlots, GnuplotOnPathLooksInEachPathEntry) {
  auto dir = testing::scratch_dir("plots");
  const char* old = std::getenv("PATH");
  std::string saved = old ? old : "";
  const std::string path = (dir / "none").string() + ":" + (dir / "bin").string();
  ::setenv("PATH", path.c_str(), 1);
  EXPECT_FALSE(gnuplot_on_path());
  fs::create_directories(dir / "bin");
  write_file_atomically(dir / "bin" / "gnuplot", "#!/bin/sh\n");
  EXPECT_FALSE(gnuplot_on_path());  // not executable
  fs::permissions(dir / "bin" / "gnuplot", fs::perms::owner_exec, fs::perm_options::add);
  EXPECT_TRUE(gnuplot_on_path());
  ::setenv("PATH", saved.c_str(), 1);
}

TEST(ReportPlots, TrainingCurvesFromMetrics) {
  if (!gnuplot_on_path()) GTEST_SKIP() << kNoGnuplot;
  auto dir = testing::scratch_dir("plots");
  {
    MetricsLog log(dir, 1);
    for (int e = 1; e <= 12; ++e) {
      MetricsRow r;
      r.epoch = e;
      r.loss = 1.0 / e;
      r.mse = 0.5 / e;
      r.kld = 10.0 * std::exp(-0.5 * e);  // spans decades: log scale
      r.beta = std::min(1.0, e / 6.0);
      r.tfr = e < 5 ? 1.0 : 0.5;
      r.lr = 1e-3 * std::pow(0.5, e);
      if (e % 3 == 0) r.val_psnr = 20 + e, r.val_ssim = 0.7 + 0.01 * e;
      log.append(r);
    }
  }
  plot_training_curves(dir / "metrics.csv", dir / "plots", 22.5);
  for (const char* name : {"loss.png", "mse.png", "kl.png", "beta.png", "tfr.png", "lr.png",
                           "val_psnr.png", "val_ssim.png"}) {
    expect_png(dir / "plots" / name);
  }
  EXPECT_TRUE(no_temporaries_left(dir / "plots"));
}

}  // namespace
}  // namespace foresight

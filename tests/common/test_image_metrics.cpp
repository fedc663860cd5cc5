// PSNR and SSIM against values computed by hand and by a direct, unoptimised reference.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "common/metrics/image_metrics.hpp"

namespace foresight {
namespace {

TEST(PsnrTest, ConstantOffsetMatchesHandComputation) {
  auto a = at::full({3, 8, 8}, 0.25f);
  auto b = at::full({3, 8, 8}, 0.30f);
  // MSE = 0.05^2 = 0.0025 -> 10 log10(400) = 26.0206 dB (to float32 rounding of 0.3 and 0.25).
  EXPECT_NEAR(psnr(a, b), 10.0 * std::log10(400.0), 1e-4);
  EXPECT_EQ(psnr(a, a), kMaxPsnr);
}

TEST(PsnrTest, PerImageValuesAndCap) {
  auto a = at::zeros({3, 3, 4, 4}, at::kFloat);
  auto b = a.clone();
  b[0].fill_(0.1);  // MSE 0.01 -> 20 dB
  b[1].fill_(0.5);  // MSE 0.25 -> 6.0206 dB
  auto p = psnr_per_image(a, b);
  ASSERT_EQ(p.sizes(), (at::IntArrayRef{3}));
  EXPECT_EQ(p.scalar_type(), at::kDouble);
  EXPECT_NEAR(p[0].item<double>(), 20.0, 1e-5);
  EXPECT_NEAR(p[1].item<double>(), 10.0 * std::log10(4.0), 1e-9);
  EXPECT_EQ(p[2].item<double>(), kMaxPsnr);
  EXPECT_THROW(psnr_per_image(a, b[0]), std::invalid_argument);
}

TEST(SsimTest, IdenticalImagesScoreOne) {
  auto x = at::rand({2, 3, 32, 32}, at::kFloat);
  auto s = ssim_per_image(x, x);
  EXPECT_NEAR(s[0].item<double>(), 1.0, 1e-12);
  EXPECT_NEAR(s[1].item<double>(), 1.0, 1e-12);
}

TEST(SsimTest, ConstantImagesMatchTheClosedForm) {
  // No variance anywhere: SSIM = (2 a b + C1) / (a^2 + b^2 + C1).
  const double a = 0.3, b = 0.6, c1 = 1e-4;
  auto s = ssim(at::full({3, 16, 16}, a, at::kDouble), at::full({3, 16, 16}, b, at::kDouble));
  EXPECT_NEAR(s, (2 * a * b + c1) / (a * a + b * b + c1), 1e-12);
}

// Direct transcription of the definition: for every 'valid' 11x11 window, Gaussian-weighted
// means, variances and covariance, then the SSIM formula; mean over the map, then channels.
double reference_ssim(const at::Tensor& x, const at::Tensor& y) {
  const int c_n = static_cast<int>(x.size(0)), h = static_cast<int>(x.size(1)),
            w = static_cast<int>(x.size(2));
  double win[11][11], total = 0;
  for (int i = 0; i < 11; ++i)
    for (int j = 0; j < 11; ++j)
      total += win[i][j] = std::exp(-((i - 5) * (i - 5) + (j - 5) * (j - 5)) / 4.5);
  auto xa = x.accessor<double, 3>(), ya = y.accessor<double, 3>();
  double sum_channels = 0;
  for (int c = 0; c < c_n; ++c) {
    double sum_map = 0;
    for (int r = 0; r + 11 <= h; ++r) {
      for (int q = 0; q + 11 <= w; ++q) {
        double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
        for (int i = 0; i < 11; ++i) {
          for (int j = 0; j < 11; ++j) {
            const double g = win[i][j] / total, u = xa[c][r + i][q + j], v = ya[c][r + i][q + j];
            mx += g * u;
            my += g * v;
            sxx += g * u * u;
            syy += g * v * v;
            sxy += g * u * v;
          }
        }
        const double vx = sxx - mx * mx, vy = syy - my * my, cxy = sxy - mx * my;
        sum_map += ((2 * mx * my + 1e-4) * (2 * cxy + 9e-4)) /
                   ((mx * mx + my * my + 1e-4) * (vx + vy + 9e-4));
      }
    }
    sum_channels += sum_map / ((h - 10) * (w - 10));
  }
  return sum_channels / c_n;
}

TEST(SsimTest, MatchesDirectReferenceOnARandomPair) {
  at::manual_seed(3);
  auto x = at::rand({2, 3, 17, 19}, at::kDouble);
  auto y = (x + 0.2 * at::randn({2, 3, 17, 19}, at::kDouble)).clamp(0, 1);
  auto s = ssim_per_image(x, y);
  for (int n = 0; n < 2; ++n) {
    const double ref = reference_ssim(x[n], y[n]);
    EXPECT_NEAR(s[n].item<double>(), ref, 1e-10);
    EXPECT_LT(ref, 0.95);  // the pair is really different
  }
  EXPECT_NEAR(ssim(x[1].to(at::kFloat), y[1].to(at::kFloat)), reference_ssim(x[1], y[1]), 1e-6);
}

TEST(SsimTest, RejectsTooSmallOrMismatchedImages) {
  EXPECT_THROW(ssim_per_image(at::zeros({1, 3, 10, 10}), at::zeros({1, 3, 10, 10})),
               std::invalid_argument);
  EXPECT_THROW(ssim_per_image(at::zeros({1, 3, 16, 16}), at::zeros({1, 3, 16, 17})),
               std::invalid_argument);
}

}  // namespace
}  // namespace foresight

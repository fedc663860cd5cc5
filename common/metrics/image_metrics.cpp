#include "common/metrics/image_metrics.hpp"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace foresight {
namespace {

constexpr int kWindow = 11;
constexpr double kSigma = 1.5;
constexpr double kC1 = 0.01 * 0.01;  // (K1 * data range)^2
constexpr double kC2 = 0.03 * 0.03;  // (K2 * data range)^2

void check_pair(const at::Tensor& a, const at::Tensor& b, int64_t dims, const char* what) {
  if (!a.defined() || !b.defined() || a.sizes() != b.sizes() || a.numel() == 0 ||
      (dims > 0 && a.dim() != dims)) {
    throw std::invalid_argument(
        std::string(what) + ": expected two non-empty tensors of the same " +
        (dims > 0 ? std::to_string(dims) + "-d " : std::string()) + "shape");
  }
}

double to_psnr(double mse) {
  if (mse <= 0) return kMaxPsnr;
  return std::min(kMaxPsnr, 10.0 * std::log10(1.0 / mse));
}

// The 2-D window exp(-(x^2 + y^2) / 2 sigma^2) / sum factorises into two normalised 1-D windows,
// so two 11-tap passes replace one 121-tap pass.
at::Tensor gaussian_1d(const at::TensorOptions& options) {
  auto x = at::arange(kWindow, options) - static_cast<double>(kWindow / 2);
  auto g = at::exp(-(x * x) / (2.0 * kSigma * kSigma));
  return g / g.sum();
}

// 'valid' Gaussian filtering of [M, 1, H, W].
at::Tensor blur(const at::Tensor& x, const at::Tensor& g) {
  auto rows = at::conv2d(x, g.view({1, 1, kWindow, 1}));
  return at::conv2d(rows, g.view({1, 1, 1, kWindow}));
}

// Metrics are computed in float64 on the CPU (the reported figures); on a GPU in float32, which
// it runs at full speed (most GPUs run float64 at 1/32 to 1/64 of that).
at::ScalarType metric_type(const at::Tensor& t) { return t.is_cuda() ? at::kFloat : at::kDouble; }

}  // namespace

double psnr(const at::Tensor& a, const at::Tensor& b) {
  check_pair(a, b, 0, "psnr");
  auto d = a.to(metric_type(a)) - b.to(metric_type(a));
  return to_psnr((d * d).mean().item<double>());
}

at::Tensor psnr_per_image(const at::Tensor& a, const at::Tensor& b) {
  check_pair(a, b, 4, "psnr_per_image");
  auto d = a.to(metric_type(a)) - b.to(metric_type(a));
  auto mse = (d * d).mean({1, 2, 3});
  // Where MSE is 0 the log is +inf and clamp_max brings it to the cap.
  return (10.0 * at::log10(1.0 / mse)).clamp_max(kMaxPsnr);
}

at::Tensor ssim_per_image(const at::Tensor& a, const at::Tensor& b) {
  check_pair(a, b, 4, "ssim_per_image");
  const int64_t n = a.size(0), c = a.size(1), h = a.size(2), w = a.size(3);
  if (h < kWindow || w < kWindow) {
    throw std::invalid_argument("ssim_per_image: images must be at least 11x11");
  }
  auto x = a.to(metric_type(a)).reshape({n * c, 1, h, w});
  auto y = b.to(metric_type(a)).reshape({n * c, 1, h, w});
  auto g = gaussian_1d(x.options());
  auto mu_x = blur(x, g), mu_y = blur(y, g);
  auto mu_xx = mu_x * mu_x, mu_yy = mu_y * mu_y, mu_xy = mu_x * mu_y;
  auto var_x = blur(x * x, g) - mu_xx;
  auto var_y = blur(y * y, g) - mu_yy;
  auto cov = blur(x * y, g) - mu_xy;
  auto map =
      ((2.0 * mu_xy + kC1) * (2.0 * cov + kC2)) / ((mu_xx + mu_yy + kC1) * (var_x + var_y + kC2));
  return map.reshape({n, c, -1}).mean(2).mean(1);
}

double ssim(const at::Tensor& a, const at::Tensor& b) {
  check_pair(a, b, 3, "ssim");
  return ssim_per_image(a.unsqueeze(0), b.unsqueeze(0)).item<double>();
}

}  // namespace foresight

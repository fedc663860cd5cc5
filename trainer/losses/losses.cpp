#include "trainer/losses/losses.hpp"

#include <ATen/ATen.h>

namespace foresight {

namespace {

// Under bf16/fp16 autocast (--precision) the model's outputs come in the lower precision; the
// losses sum thousands of terms, so they are computed in float32 (as autocast's own loss ops are).
at::Tensor full_precision(const at::Tensor& t) {
  const auto type = t.scalar_type();
  return type == at::kBFloat16 || type == at::kHalf ? t.to(at::kFloat) : t;
}

// Elementwise KL of diagonal Gaussians: log(s2/s1) + (s1^2 + (mu1 - mu2)^2) / (2 s2^2) - 1/2.
at::Tensor kl_elements(const at::Tensor& mu1_in, const at::Tensor& logvar1_in,
                       const at::Tensor& mu2_in, const at::Tensor& logvar2_in) {
  const at::Tensor mu1 = full_precision(mu1_in), logvar1 = full_precision(logvar1_in);
  const at::Tensor mu2 = full_precision(mu2_in), logvar2 = full_precision(logvar2_in);
  return 0.5 * (logvar2 - logvar1) + (logvar1.exp() + (mu1 - mu2).pow(2)) / (2.0 * logvar2.exp()) -
         0.5;
}

}  // namespace

at::Tensor kl_gaussian(const at::Tensor& mu1, const at::Tensor& logvar1, const at::Tensor& mu2,
                       const at::Tensor& logvar2) {
  return kl_elements(mu1, logvar1, mu2, logvar2).sum(1).mean();
}

at::Tensor kl_gaussian_free_bits(const at::Tensor& mu1, const at::Tensor& logvar1,
                                 const at::Tensor& mu2, const at::Tensor& logvar2,
                                 double free_bits) {
  at::Tensor per_dim = kl_elements(mu1, logvar1, mu2, logvar2).mean(0);
  return free_bits > 0 ? per_dim.clamp_min(free_bits).sum() : per_dim.sum();
}

at::Tensor draw_noise(at::IntArrayRef sizes, at::Generator& gen, c10::Device device) {
  return at::randn(sizes, gen, at::TensorOptions().dtype(at::kFloat).device(gen.device()))
      .to(device);
}

at::Tensor kl_standard_normal_per_element(const at::Tensor& mu_in, const at::Tensor& logvar_in) {
  const at::Tensor mu = full_precision(mu_in), logvar = full_precision(logvar_in);
  return (-0.5 * (1.0 + logvar - mu.pow(2) - logvar.exp())).mean();
}

at::Tensor mse(const at::Tensor& prediction, const at::Tensor& target) {
  return (full_precision(prediction) - full_precision(target)).pow(2).mean();
}

}  // namespace foresight

#include "trainer/losses/losses.hpp"

#include <ATen/ATen.h>

namespace foresight {

at::Tensor kl_gaussian(const at::Tensor& mu1, const at::Tensor& logvar1, const at::Tensor& mu2,
                       const at::Tensor& logvar2) {
  // log(s2/s1) + (s1^2 + (mu1 - mu2)^2) / (2 s2^2) - 1/2
  auto kld = 0.5 * (logvar2 - logvar1) +
             (logvar1.exp() + (mu1 - mu2).pow(2)) / (2.0 * logvar2.exp()) - 0.5;
  return kld.sum(1).mean();
}

at::Tensor kl_standard_normal_per_element(const at::Tensor& mu, const at::Tensor& logvar) {
  return (-0.5 * (1.0 + logvar - mu.pow(2) - logvar.exp())).mean();
}

at::Tensor mse(const at::Tensor& prediction, const at::Tensor& target) {
  return (prediction - target).pow(2).mean();
}

}  // namespace foresight

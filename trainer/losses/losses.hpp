// The SVG objective: per-frame MSE (mean over pixels, summed over predicted frames) and the KL
// between diagonal Gaussians, summed over latent dims and averaged over the batch (as the
// reference's kl_criterion).
#pragma once
#include <ATen/core/Tensor.h>

namespace foresight {

// KL( N(mu1, exp(logvar1)) || N(mu2, exp(logvar2)) ), summed over dim 1, mean over dim 0.
// The fixed prior is mu2 = 0, logvar2 = 0.
at::Tensor kl_gaussian(const at::Tensor& mu1, const at::Tensor& logvar1, const at::Tensor& mu2,
                       const at::Tensor& logvar2);

// Mean squared error over all elements (torch.nn.MSELoss()).
at::Tensor mse(const at::Tensor& prediction, const at::Tensor& target);

}  // namespace foresight

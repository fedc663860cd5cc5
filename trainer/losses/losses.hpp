// The SVG objective: per-frame MSE (mean over pixels, summed over predicted frames) and the KL
// between diagonal Gaussians, summed over latent dims and averaged over the batch (as the
// reference's kl_criterion).
#pragma once
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

namespace foresight {

// KL( N(mu1, exp(logvar1)) || N(mu2, exp(logvar2)) ), summed over dim 1, mean over dim 0.
// The fixed prior is mu2 = 0, logvar2 = 0.
at::Tensor kl_gaussian(const at::Tensor& mu1, const at::Tensor& logvar1, const at::Tensor& mu2,
                       const at::Tensor& logvar2);

// Free bits (Kingma et al. 2016): the same KL, but each latent dim's batch-mean KL counts as at
// least `free_bits` nats, so the objective stops pushing a dim's information below that floor.
// free_bits = 0 is kl_gaussian.
at::Tensor kl_gaussian_free_bits(const at::Tensor& mu1, const at::Tensor& logvar1,
                                 const at::Tensor& mu2, const at::Tensor& logvar2,
                                 double free_bits);

// KL( N(mu, exp(logvar)) || N(0, I) ) averaged over every element (batch, channels, pixels): the
// pose CVAE's normalisation, which keeps the KL on the MSE's per-element scale whatever the
// latent's size. Callers clamp logvar (the pose model's posterior does).
at::Tensor kl_standard_normal_per_element(const at::Tensor& mu, const at::Tensor& logvar);

// Standard normal noise of `sizes` (float), drawn on `gen`'s device and returned on `device`:
// the trainer passes a generator on the model's device (no copy per step); tests pass a CPU
// generator to both a CPU and a CUDA run so that the two see the same noise.
at::Tensor draw_noise(at::IntArrayRef sizes, at::Generator& gen, c10::Device device);

// Mean squared error over all elements (torch.nn.MSELoss()).
at::Tensor mse(const at::Tensor& prediction, const at::Tensor& target);

}  // namespace foresight

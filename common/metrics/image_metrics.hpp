// Frame-quality metrics for video prediction, following the SVG evaluation code (Denton & Fergus
// 2018, utils.py finn_eval_seq): images are float tensors in [0, 1] compared as they are (callers
// clamp predictions if they want to), every computation runs in float64 on the inputs' device.
#pragma once
#include <ATen/core/Tensor.h>

namespace foresight {

// PSNR of identical images. 10*log10(1/MSE) diverges at MSE = 0; a finite cap keeps means over
// many frames finite (a static scene predicted exactly would otherwise make the mean infinite).
constexpr double kMaxPsnr = 100.0;

// 10*log10(1 / MSE) in dB, the MSE taken over every element of a and b (same shape, any rank),
// capped at kMaxPsnr. Note: MSE is pooled over the channels (SVG averages per-channel PSNRs,
// which is >= this by Jensen; the two agree when channel errors are equal).
// Throws std::invalid_argument on shape mismatch or empty input.
double psnr(const at::Tensor& a, const at::Tensor& b);

// Per-image PSNR of two [N, C, H, W] batches: a float64 tensor [N] on the inputs' device.
at::Tensor psnr_per_image(const at::Tensor& a, const at::Tensor& b);

// SSIM with the standard Gaussian window (11x11, sigma 1.5, normalised), K1 = 0.01, K2 = 0.03,
// data range 1, population (biased) variances; the SSIM map covers the 'valid' region only (no
// padding: (H-10) x (W-10) positions), is averaged per channel, and the channel means are
// averaged. This is finn_ssim from the SVG code, the convention of the BAIR results of SVG, SAVP
// and Babaeizadeh et al. Inputs [N, C, H, W] with H, W >= 11; returns float64 [N].
// Throws std::invalid_argument on shape mismatch or too small images.
at::Tensor ssim_per_image(const at::Tensor& a, const at::Tensor& b);

// SSIM of one [C, H, W] image pair (ssim_per_image of a batch of one).
double ssim(const at::Tensor& a, const at::Tensor& b);

}  // namespace foresight

// The SVG training objective for one batch: runs encoder, posterior, (learned) prior, frame
// predictor and decoder over frames 1..T-1 through the scripted module's methods and returns the
// loss terms. Teacher-forced sequences feed the true previous frame; the others feed back the
// model's own prediction from frame n_past on.
#pragma once
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include "common/model/svg_model.hpp"

namespace foresight {

struct SvgLoss {
  at::Tensor loss;  // mse + beta * kld (scalar)
  at::Tensor mse;   // sum over predicted frames of the per-frame mean squared error
  at::Tensor kld;   // sum over predicted frames of the per-frame KL, averaged over the batch
                    // (the true KL, also when free bits raise the loss's share of it)
};

// Where a batch's rows sit in the global batch of a data-parallel step: the latent noise is drawn
// for all `global` rows (global == 0: the batch is the global batch) and rows offset..offset+B-1
// kept, so that each sequence of a step gets the same noise whatever the number of ranks.
struct BatchShare {
  int64_t offset = 0;
  int64_t global = 0;
};

// x [T, B, 3, H, W] in [0, 1], cond [T, B, C] (condition t led from frame t to frame t+1);
// teacher_forced [B] bool. Skips come from frame min(i-1, n_past-1) for target frame i
// (the last conditioning frame), or from the input frame when last_frame_skip; the output head
// composites over (or warps) that same frame, as the edge's step does. free_bits: the
// KL floor per latent dim and frame in the loss (kl_gaussian_free_bits; 0: the plain KL).
// `gen` draws the latent noise on its own device (draw_noise).
SvgLoss svg_loss(SvgModel& model, const at::Tensor& x, const at::Tensor& cond,
                 const at::Tensor& teacher_forced, double beta, at::Generator& gen,
                 double free_bits = 0.0, const BatchShare& share = {});

}  // namespace foresight

// The pose CVAE's training objective for one batch of clips: frame t is predicted from frame t-1
// and the pose image of frame t, with z drawn from the posterior over the true frame t. Teacher-
// forced clips feed the true previous frame; the others feed back the model's own prediction
// (gradients flow through it), as the validation rollout will.
#pragma once
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include "common/model/pose_model.hpp"

namespace foresight {

struct PoseLoss {
  at::Tensor loss;  // mse + beta * kld (scalar)
  at::Tensor mse;   // mean over predicted frames of the per-element squared error
  at::Tensor kld;   // mean over predicted frames of the per-element KL to N(0, I)
};

// frames, labels [T, B, 3, H, W] in [0, 1]; teacher_forced [B] bool; `gen` draws the noise on
// its own device (draw_noise).
PoseLoss pose_loss(PoseModel& model, const at::Tensor& frames, const at::Tensor& labels,
                   const at::Tensor& teacher_forced, double beta, at::Generator& gen);

}  // namespace foresight

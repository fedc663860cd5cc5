#include "trainer/train/pose_objective.hpp"

#include <ATen/ATen.h>

#include "trainer/losses/losses.hpp"

namespace foresight {
namespace {

// [T, B, 3, H, W] with every frame [B, 3, H, W] in channels-last order. On the CPU oneDNN's
// convolutions then skip the reorders to and from NCHW, forward and backward, and the layout
// flows from the inputs through every activation (docs/performance.md: +5% a training iteration
// at the paper size). Not measured on CUDA yet, so left as it is there.
at::Tensor channels_last_frames(const at::Tensor& clips) {
  if (!clips.device().is_cpu()) return clips;
  return clips.permute({0, 1, 3, 4, 2}).contiguous().permute({0, 1, 4, 2, 3});
}

PoseLoss mean_over_steps(const at::Tensor& mse_sum, const at::Tensor& kld_sum, int64_t steps,
                         double beta) {
  PoseLoss l;
  l.mse = mse_sum / static_cast<double>(steps);
  l.kld = kld_sum / static_cast<double>(steps);
  l.loss = l.mse + beta * l.kld;
  return l;
}

// Every clip teacher-forced (the paper schedule's first epochs, and the benchmark): each step
// starts from the true previous frame, so the true frame t is encoded once, for the posterior at
// step t and as the previous frame at step t + 1, where the step-by-step forward encodes it
// twice. The math is forward's (pose.torchscript's forward_features); no step's input needs a
// gradient.
PoseLoss forced_loss(PoseModel& model, const at::Tensor& frames, const at::Tensor& labels,
                     double beta, at::Generator& gen) {
  const int64_t T = frames.size(0), B = frames.size(1);
  const PoseConfig& c = model.config();
  at::Tensor mse_sum = at::zeros({}, frames.options());
  at::Tensor kld_sum = at::zeros({}, frames.options());
  at::Tensor h_prev = model.encode(frames[0]);
  const at::Tensor ref = model.reference(frames[0], labels[0]);
  for (int64_t t = 1; t < T; ++t) {
    at::Tensor noise = draw_noise({B, c.n_dim, c.height, c.width}, gen, frames.device());
    at::Tensor h_next = model.encode(frames[t]);
    auto [pred, mu, logvar] =
        model.forward_features(frames[t - 1], h_prev, h_next, labels[t - 1], labels[t], noise, ref);
    mse_sum = mse_sum + mse(pred, frames[t]);
    kld_sum = kld_sum + kl_standard_normal_per_element(mu, logvar);
    h_prev = std::move(h_next);
  }
  return mean_over_steps(mse_sum, kld_sum, T - 1, beta);
}

}  // namespace

PoseLoss pose_loss(PoseModel& model, const at::Tensor& frames_in, const at::Tensor& labels_in,
                   const at::Tensor& teacher_forced, double beta, at::Generator& gen) {
  const at::Tensor frames = channels_last_frames(frames_in);
  const at::Tensor labels = channels_last_frames(labels_in);
  // teacher_forced lives on the CPU: no device sync.
  if (teacher_forced.all().item<bool>()) return forced_loss(model, frames, labels, beta, gen);

  const int64_t T = frames.size(0), B = frames.size(1);
  const PoseConfig& c = model.config();
  const at::Tensor forced = teacher_forced.to(frames.device()).view({B, 1, 1, 1});
  at::Tensor mse_sum = at::zeros({}, frames.options());
  at::Tensor kld_sum = at::zeros({}, frames.options());
  at::Tensor previous = frames[0];
  // The clip's first frame is the reference, as a rollout's first frame is (the anchors).
  const at::Tensor ref = model.reference(frames[0], labels[0]);
  for (int64_t t = 1; t < T; ++t) {
    const at::Tensor x_prev = t == 1 ? frames[0] : at::where(forced, frames[t - 1], previous);
    at::Tensor noise = draw_noise({B, c.n_dim, c.height, c.width}, gen, frames.device());
    auto [pred, mu, logvar] =
        model.forward(x_prev, frames[t], labels[t - 1], labels[t], noise, ref);
    mse_sum = mse_sum + mse(pred, frames[t]);
    kld_sum = kld_sum + kl_standard_normal_per_element(mu, logvar);
    previous = pred;
  }
  return mean_over_steps(mse_sum, kld_sum, T - 1, beta);
}

}  // namespace foresight

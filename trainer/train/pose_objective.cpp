#include "trainer/train/pose_objective.hpp"

#include <ATen/ATen.h>

#include "trainer/losses/losses.hpp"

namespace foresight {

PoseLoss pose_loss(PoseModel& model, const at::Tensor& frames, const at::Tensor& labels,
                   const at::Tensor& teacher_forced, double beta, at::Generator& gen) {
  const int64_t T = frames.size(0), B = frames.size(1);
  const PoseConfig& c = model.config();
  const at::Tensor forced = teacher_forced.to(frames.device()).view({B, 1, 1, 1});
  // All clips teacher-forced (every iteration of the paper schedule's first epochs): each step
  // starts from the true frame, which needs no gradient; going through `where` with the previous
  // prediction would make backward compute the encoder's input gradients for nothing
  // (docs/performance.md). teacher_forced lives on the CPU: no device sync.
  const bool all_forced = teacher_forced.all().item<bool>();
  at::Tensor mse_sum = at::zeros({}, frames.options());
  at::Tensor kld_sum = at::zeros({}, frames.options());
  at::Tensor previous = frames[0];
  for (int64_t t = 1; t < T; ++t) {
    const at::Tensor x_prev =
        t == 1 || all_forced ? frames[t - 1] : at::where(forced, frames[t - 1], previous);
    at::Tensor noise = draw_noise({B, c.n_dim, c.height, c.width}, gen, frames.device());
    // The clip's first frame is the reference, as a rollout's first frame is (reference_frame).
    auto [pred, mu, logvar] =
        model.forward(x_prev, frames[t], labels[t - 1], labels[t], noise, frames[0]);
    mse_sum = mse_sum + mse(pred, frames[t]);
    kld_sum = kld_sum + kl_standard_normal_per_element(mu, logvar);
    previous = pred;
  }
  PoseLoss l;
  l.mse = mse_sum / static_cast<double>(T - 1);
  l.kld = kld_sum / static_cast<double>(T - 1);
  l.loss = l.mse + beta * l.kld;
  return l;
}

}  // namespace foresight

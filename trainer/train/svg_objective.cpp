#include "trainer/train/svg_objective.hpp"

#include <ATen/ATen.h>

#include "trainer/losses/losses.hpp"

namespace foresight {
namespace {

// Selects frames `idx` from per-frame skip maps shaped [T*B, ...] and flattens them again.
std::vector<at::Tensor> select_skips(const std::vector<at::Tensor>& skips, int64_t T, int64_t B,
                                     const at::Tensor& idx) {
  std::vector<at::Tensor> out;
  for (const auto& s : skips) {
    auto tb = s.view({T, B, s.size(1), s.size(2), s.size(3)}).index_select(0, idx);
    out.push_back(tb.flatten(0, 1));
  }
  return out;
}

std::vector<at::Tensor> frame_skips(const std::vector<at::Tensor>& skips, int64_t T, int64_t B,
                                    int64_t t) {
  std::vector<at::Tensor> out;
  for (const auto& s : skips) out.push_back(s.view({T, B, s.size(1), s.size(2), s.size(3)})[t]);
  return out;
}

}  // namespace

SvgLoss svg_loss(SvgModel& model, const at::Tensor& x, const at::Tensor& cond,
                 const at::Tensor& teacher_forced, double beta, at::Generator& gen,
                 double free_bits, const BatchShare& share) {
  const SvgConfig& cfg = model.config();
  const int64_t T = x.size(0), B = x.size(1);
  const int n_past = cfg.n_past;
  auto opts = x.options();
  // Encode every true frame at once: inputs of teacher-forced steps and posterior targets.
  auto [h_all_flat, skips_all] = model.encode(x.flatten(0, 1));
  at::Tensor h_all = h_all_flat.view({T, B, -1});

  State state = model.init_state(B);
  at::Tensor kld = at::zeros({}, opts), kld_loss = at::zeros({}, opts);
  const bool all_forced = teacher_forced.all().item<bool>();
  std::vector<at::Tensor> h_preds, zs;
  at::Tensor mse_sum = at::zeros({}, opts);
  at::Tensor forced_mask = teacher_forced.to(x.device()).view({B, 1, 1, 1});

  at::Tensor x_prev_pred;  // previous prediction [B, 3, H, W] (sequential path)
  std::vector<at::Tensor> skip = frame_skips(skips_all, T, B, 0);
  at::Tensor base = x[0];          // the frame `skip` comes from: the output head keeps or warps it
  at::Tensor base_cond = cond[0];  // its condition row (the action head moves from it)
  for (int64_t i = 1; i < T; ++i) {
    at::Tensor h_in;
    at::Tensor x_in = x[i - 1];  // the frame the step starts from
    std::vector<at::Tensor> in_skips;
    if (all_forced || i - 1 < n_past) {
      h_in = h_all[i - 1];
      if (!all_forced) in_skips = frame_skips(skips_all, T, B, i - 1);
    } else {
      // Non-forced sequences feed back their own previous prediction.
      x_in = at::where(forced_mask, x[i - 1], x_prev_pred);
      auto enc = model.encode(x_in);
      h_in = enc.first;
      in_skips = std::move(enc.second);
    }
    auto [mu, logvar, s1] = model.posterior(h_all[i], state);
    auto [mu_p, logvar_p, s2] = model.prior(h_in, s1);
    at::Tensor noise;
    if (share.global > 0) {
      std::vector<int64_t> sizes = mu.sizes().vec();
      sizes[0] = share.global;
      noise = draw_noise(sizes, gen, x.device()).narrow(0, share.offset, B);
    } else {
      noise = draw_noise(mu.sizes(), gen, x.device());
    }
    at::Tensor z = model.sample(mu, logvar, noise);
    auto [h_pred, s3] = model.predict_step(h_in, z, cond[i - 1], s2);
    state = std::move(s3);
    kld = kld + kl_gaussian(mu, logvar, mu_p, logvar_p);
    if (free_bits > 0) {
      kld_loss = kld_loss + kl_gaussian_free_bits(mu, logvar, mu_p, logvar_p, free_bits);
    }
    if (all_forced) {
      h_preds.push_back(h_pred);
      zs.push_back(z);
      continue;
    }
    if (cfg.last_frame_skip || i - 1 < n_past) {
      skip = in_skips;
      base = x_in;
      base_cond = cond[i - 1];
    }
    x_prev_pred = model.decode(h_pred, skip, base, cond[i - 1], base_cond, z);
    mse_sum = mse_sum + mse(x_prev_pred, x[i]);
  }
  if (all_forced) {
    // Decoding is not recurrent: one batched call for all steps is much faster.
    std::vector<int64_t> idx(T - 1);
    for (int64_t i = 1; i < T; ++i) {
      idx[i - 1] = cfg.last_frame_skip ? i - 1 : std::min<int64_t>(i - 1, n_past - 1);
    }
    at::Tensor idx_t = at::tensor(idx, at::kLong).to(x.device());
    at::Tensor preds =
        model.decode(at::stack(h_preds).flatten(0, 1), select_skips(skips_all, T, B, idx_t),
                     x.index_select(0, idx_t).flatten(0, 1), cond.narrow(0, 0, T - 1).flatten(0, 1),
                     cond.index_select(0, idx_t).flatten(0, 1), at::stack(zs).flatten(0, 1));
    at::Tensor target = x.narrow(0, 1, T - 1).flatten(0, 1);
    // Sum over frames of the per-frame mean: the per-frame means are equal-sized, so this is the
    // overall mean times the number of frames.
    mse_sum = mse(preds, target) * static_cast<double>(T - 1);
  }
  return {mse_sum + beta * (free_bits > 0 ? kld_loss : kld), mse_sum, kld};
}

}  // namespace foresight

#include "trainer/eval/evaluator.hpp"

#include <ATen/ATen.h>

#include <nlohmann/json.hpp>
#include <numeric>
#include <stdexcept>

#include "common/metrics/image_metrics.hpp"
#include "common/model/cpu_packing.hpp"

namespace foresight {
namespace {

double average(const std::vector<double>& v) {
  return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / v.size();
}

// Accumulates per-step sums of [B] tensors.
struct StepSums {
  std::vector<double> sum;
  void add(size_t step, const at::Tensor& per_sequence) {
    if (sum.size() <= step) sum.resize(step + 1, 0.0);
    sum[step] += per_sequence.sum().item<double>();
  }
  std::vector<double> mean(int64_t n) const {
    std::vector<double> out(sum);
    for (auto& v : out) v /= std::max<int64_t>(n, 1);
    return out;
  }
};

}  // namespace

double EvalResult::mean_psnr() const { return average(psnr_mean); }
double EvalResult::best_psnr() const { return average(psnr_best); }
double EvalResult::mean_ssim() const { return average(ssim_mean); }
double EvalResult::best_ssim() const { return average(ssim_best); }
double EvalResult::copy_psnr() const { return average(copy_last_psnr); }
double EvalResult::copy_ssim() const { return average(copy_last_ssim); }
double EvalResult::shuffled_psnr() const { return average(psnr_shuffled); }
double EvalResult::first_sample_psnr() const { return average(psnr_first_sample); }

EvalResult evaluate(SvgModel& trained, BatchLoader& loader, const EvalOptions& opt) {
  c10::InferenceMode inference;
  trained.train(false);
  const auto params = trained.parameters();
  const at::Device device = params.front().device();
  // On the CPU the rollouts run on a copy with prepacked convolution weights (cpu_packing.hpp):
  // the weights are fixed here, and packing them once saves a reorder per layer and step. The
  // trained module itself is never packed, since training changes its weights afterwards.
  SvgModel model(packed_copy_for_cpu(trained.module()), trained.config());
  const int S = std::max(opt.samples, 1);
  const int K = opt.n_eval - opt.n_past;
  if (K < 1) throw std::invalid_argument("evaluate: n_eval must exceed n_past");
  at::Generator gen = at::detail::createCPUGenerator(opt.seed);

  StepSums psnr_mean, psnr_best, ssim_mean, ssim_best, copy_psnr, copy_ssim, shuffled_psnr,
      own_first_psnr;
  EvalResult result;
  result.samples = S;
  int64_t batches = 0;
  while (auto batch = loader.next()) {
    if (opt.max_batches > 0 && batches >= opt.max_batches) {
      while (loader.next()) {
      }  // finish the epoch so the next evaluation starts from the beginning
      break;
    }
    ++batches;
    at::Tensor x = batch->frames.narrow(0, 0, opt.n_eval).to(device);  // [T, B, 3, H, W]
    at::Tensor c = batch->conditions.narrow(0, 0, opt.n_eval).to(device);
    const int64_t B = x.size(1);
    // Every sequence is repeated S times (sample-major within each sequence).
    at::Tensor xs = x.repeat_interleave(S, 1);
    at::Tensor cs = c.repeat_interleave(S, 1);
    std::vector<at::Tensor> noises;  // one draw per observed frame, shared by every rollout
    for (int t = 0; t < opt.n_past; ++t) {
      const int64_t k = t == opt.n_past - 1 ? K : 1;
      noises.push_back(at::randn({k + 1, B * S, model.config().z_dim}, gen).to(device));
    }
    // Observes the n_past frames `xs` under conditions `cs` and returns the K predictions.
    auto rollout = [&](const at::Tensor& xs, const at::Tensor& cs,
                       const std::vector<at::Tensor>& noises) {
      State state = model.init_state(xs.size(1));
      at::Tensor preds;
      for (int t = 0; t < opt.n_past; ++t) {
        const bool last = t == opt.n_past - 1;
        at::Tensor conds = last ? cs.narrow(0, t, K) : cs.narrow(0, t, 1);
        auto out = model.step(xs[t], t == 0 ? cs[0] : cs[t - 1], conds, state, t == 0, noises[t]);
        state = std::move(out.second);
        if (last) preds = out.first;  // [K, batch, 3, H, W]
      }
      return preds;
    };
    at::Tensor preds = rollout(xs, cs, noises);
    at::Tensor truth = x.narrow(0, opt.n_past, K);  // [K, B, 3, H, W]
    at::Tensor truth_s = truth.repeat_interleave(S, 1);
    const auto img = truth.sizes().slice(2);
    // Per-image metrics, shaped [K, B, S].
    auto per = [&](auto fn, const at::Tensor& a, const at::Tensor& b) {
      std::vector<int64_t> flat{-1};
      flat.insert(flat.end(), img.begin(), img.end());
      return fn(a.reshape(flat), b.reshape(flat)).reshape({K, B, S}).to(at::kDouble).cpu();
    };
    at::Tensor psnr = per(psnr_per_image, preds, truth_s);
    at::Tensor ssim = per(ssim_per_image, preds, truth_s);
    at::Tensor copy = x[opt.n_past - 1].unsqueeze(0).expand_as(truth).contiguous();
    auto per_b = [&](auto fn, const at::Tensor& a, const at::Tensor& b) {
      std::vector<int64_t> flat{-1};
      flat.insert(flat.end(), img.begin(), img.end());
      return fn(a.reshape(flat), b.reshape(flat)).reshape({K, B}).to(at::kDouble).cpu();
    };
    at::Tensor copy_p = per_b(psnr_per_image, copy, truth);
    if (opt.shuffled_conditions) {
      // One sample per sequence (the first one's noise) under the previous sequence's conditions.
      at::Tensor first = at::arange(B, at::kLong).mul(S).to(device);
      std::vector<at::Tensor> first_noises;
      for (const auto& n : noises) first_noises.push_back(n.index_select(1, first));
      at::Tensor other = rollout(x, c.roll(1, 1), first_noises);
      at::Tensor own = preds.index_select(1, first);
      auto per_seq = [&](const at::Tensor& a) {
        std::vector<int64_t> flat{-1};
        flat.insert(flat.end(), img.begin(), img.end());
        return psnr_per_image(a.reshape(flat), truth.reshape(flat))
            .reshape({K, B})
            .to(at::kDouble)
            .cpu();
      };
      at::Tensor shuffled = per_seq(other), same = per_seq(own);
      for (int k = 0; k < K; ++k) {
        shuffled_psnr.add(k, shuffled[k]);
        own_first_psnr.add(k, same[k]);
      }
    }
    at::Tensor copy_s = per_b(ssim_per_image, copy, truth);
    // Best of S per sequence: the sample with the highest mean over the predicted steps.
    at::Tensor best_p_idx = psnr.mean(0).argmax(1);  // [B]
    at::Tensor best_s_idx = ssim.mean(0).argmax(1);
    for (int k = 0; k < K; ++k) {
      psnr_mean.add(k, psnr[k].mean(1));
      ssim_mean.add(k, ssim[k].mean(1));
      psnr_best.add(k, psnr[k].gather(1, best_p_idx.unsqueeze(1)));
      ssim_best.add(k, ssim[k].gather(1, best_s_idx.unsqueeze(1)));
      copy_psnr.add(k, copy_p[k]);
      copy_ssim.add(k, copy_s[k]);
    }
    result.sequences += B;
    // Keep a few sequences for pictures.
    const int64_t have = result.example_truth.defined() ? result.example_truth.size(1) : 0;
    const int64_t take = std::min<int64_t>(opt.keep_examples - have, B);
    if (take > 0) {
      at::Tensor gt = x.narrow(1, 0, take).cpu();
      at::Tensor samples = at::cat({x.narrow(0, 0, opt.n_past).repeat_interleave(S, 1), preds}, 0)
                               .narrow(1, 0, take * S)
                               .reshape({opt.n_eval, take, S, img[0], img[1], img[2]})
                               .permute({2, 0, 1, 3, 4, 5})
                               .cpu();
      result.example_truth = have ? at::cat({result.example_truth, gt}, 1) : gt;
      result.example_samples = have ? at::cat({result.example_samples, samples}, 2) : samples;
      for (int64_t b = 0; b < take; ++b)
        result.example_best.push_back(best_p_idx[b].item<int64_t>());
    }
  }
  if (result.sequences == 0) throw std::runtime_error("evaluate: the split yielded no batch");
  result.psnr_mean = psnr_mean.mean(result.sequences);
  result.psnr_best = psnr_best.mean(result.sequences);
  result.ssim_mean = ssim_mean.mean(result.sequences);
  result.ssim_best = ssim_best.mean(result.sequences);
  result.copy_last_psnr = copy_psnr.mean(result.sequences);
  result.copy_last_ssim = copy_ssim.mean(result.sequences);
  if (opt.shuffled_conditions) {
    result.psnr_shuffled = shuffled_psnr.mean(result.sequences);
    result.psnr_first_sample = own_first_psnr.mean(result.sequences);
  }
  return result;
}

nlohmann::json to_json(const EvalResult& r) {
  return {{"psnr_mean", r.mean_psnr()},
          {"psnr_best", r.best_psnr()},
          {"ssim_mean", r.mean_ssim()},
          {"ssim_best", r.best_ssim()},
          {"copy_last_psnr", r.copy_psnr()},
          {"copy_last_ssim", r.copy_ssim()},
          {"psnr_shuffled_conditions", r.shuffled_psnr()},
          {"psnr_first_sample", r.first_sample_psnr()},
          {"sequences", r.sequences},
          {"samples", r.samples},
          {"per_step",
           {{"psnr_mean", r.psnr_mean},
            {"psnr_best", r.psnr_best},
            {"ssim_mean", r.ssim_mean},
            {"ssim_best", r.ssim_best},
            {"copy_last_psnr", r.copy_last_psnr},
            {"copy_last_ssim", r.copy_last_ssim},
            {"psnr_shuffled_conditions", r.psnr_shuffled}}}};
}

}  // namespace foresight

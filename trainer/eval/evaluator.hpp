// Evaluation of an SVG model on a dataset split, through exactly the code path the edge uses
// (the scripted `step` method): observe n_past frames, then roll out n_eval - n_past frames under
// the recorded actions and positions. Scores each predicted frame with PSNR and SSIM for the mean
// over N latent samples and for the best of N (the SVG protocol), beside copy-last-frame.
#pragma once
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <vector>

#include "common/dataset/batch_loader.hpp"
#include "common/model/svg_model.hpp"

namespace foresight {

struct EvalOptions {
  int n_past = 2;
  int n_eval = 12;
  int samples = 1;          // latent samples per sequence
  int64_t max_batches = 0;  // 0: the whole split
  uint64_t seed = 1;        // latent noise
  int keep_examples = 4;    // sequences whose frames are kept for pictures
  // Also roll out every sequence (its first latent sample) under another sequence's actions and
  // positions (the previous one in its batch), same frames and noise: how much the prediction
  // owes to the conditioning.
  bool shuffled_conditions = false;
};

// Per predicted step t = 0 .. n_eval - n_past - 1 (frame n_past + t), averaged over sequences.
struct EvalResult {
  int64_t sequences = 0;
  int samples = 0;
  std::vector<double> psnr_mean, psnr_best, ssim_mean, ssim_best, copy_last_psnr, copy_last_ssim;
  // When asked (shuffled_conditions): the first sample under another sequence's conditions, and
  // the same sample under its own.
  std::vector<double> psnr_shuffled, psnr_first_sample;
  // Examples for pictures: ground truth [T, E, 3, H, W] and samples [S, T, E, 3, H, W] (the first
  // n_past frames of the samples are the ground truth), and the index of each example's best
  // sample.
  at::Tensor example_truth, example_samples;
  std::vector<int64_t> example_best;

  // Averages over the predicted steps.
  double mean_psnr() const;
  double best_psnr() const;
  double mean_ssim() const;
  double best_ssim() const;
  double copy_psnr() const;
  double copy_ssim() const;
  double shuffled_psnr() const;      // 0 when not measured
  double first_sample_psnr() const;  // 0 when not measured
};

// Runs the model (switched to eval mode; its device is taken from its weights) over every batch
// of `loader`'s current epoch. Throws std::runtime_error when the loader yields nothing.
EvalResult evaluate(SvgModel& model, BatchLoader& loader, const EvalOptions& options);

// {"psnr_mean", "psnr_best", "ssim_mean", "ssim_best", "copy_last_psnr", "copy_last_ssim",
//  "per_step": {...lists...}, "sequences", "samples", ...}
nlohmann::json to_json(const EvalResult& r);

}  // namespace foresight

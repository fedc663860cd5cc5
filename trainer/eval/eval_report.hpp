// Human- and machine-readable outputs of an evaluation: the per-step table printed by
// `foresight eval`, per_step.csv, PSNR/SSIM-per-step plots, and prediction pictures.
#pragma once
#include <filesystem>
#include <string>

#include "trainer/eval/evaluator.hpp"

namespace foresight {

// The table: one row per predicted frame (PSNR/SSIM mean, best, copy-last) and the headline line
// "PSNR averaged over K frames predicted from n_past".
std::string format_eval_table(const EvalResult& r, const EvalOptions& opt);

// Writes per_step.csv, psnr_per_step.png, ssim_per_step.png, predictions.gif and
// predictions_strip.png into dir. Plot/picture failures are logged, not thrown.
void write_eval_report(const std::filesystem::path& dir, const EvalResult& r,
                       const EvalOptions& opt);

}  // namespace foresight

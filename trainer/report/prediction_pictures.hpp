// Pictures of an SVG evaluation's predictions (GIF: truth | prediction; PNG strip: rows truth,
// best sample, other samples; one column per time step), written after each epoch and by eval.
#pragma once
#include <filesystem>

#include "trainer/eval/evaluator.hpp"

namespace foresight {

// Writes `prefix`.gif (truth | best prediction per example, side by side, one frame per step) and
// `prefix`_strip.png under dir from an evaluation's examples.
void write_prediction_pictures(const std::filesystem::path& dir, const std::string& prefix,
                               const EvalResult& result, int n_past);

}  // namespace foresight

// What the trainer leaves in the run directory after each epoch: a metrics.csv row, PNG plots of
// every curve, and pictures of validation predictions (GIF: truth | prediction; PNG strip: rows
// truth, best sample, other samples; one column per time step).
#pragma once
#include <filesystem>

#include "trainer/eval/evaluator.hpp"
#include "trainer/report/metrics_log.hpp"

namespace foresight {

using EpochRow = MetricsRow;

class EpochReporter {
 public:
  // Resuming at `start_epoch` drops metrics rows of later epochs left by the interrupted run.
  EpochReporter(std::filesystem::path run_dir, int start_epoch);
  // Appends the row, redraws the plots and the prediction pictures. Picture failures (e.g.
  // gnuplot missing) are logged as warnings: they never stop training.
  void report(const EpochRow& row, const EvalResult& validation);

 private:
  std::filesystem::path run_dir_;
  MetricsLog log_;
};

// Writes `prefix`.gif (truth | best prediction per example, side by side, one frame per step) and
// `prefix`_strip.png under dir from an evaluation's examples.
void write_prediction_pictures(const std::filesystem::path& dir, const std::string& prefix,
                               const EvalResult& result, int n_past);

}  // namespace foresight

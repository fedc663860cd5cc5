// The per-epoch training record RUN_DIR/metrics.csv, one row per epoch, so that curves can be
// redrawn at any time (plots.hpp) and a resumed run continues the same file.
// Columns: epoch,loss,mse,kld,beta,tfr,lr,val_psnr,val_ssim,seconds; a missing value is "nan".
#pragma once
#include <filesystem>
#include <limits>
#include <vector>

namespace foresight {

struct MetricsRow {
  static constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();
  int epoch = 0;
  double loss = kMissing, mse = kMissing, kld = kMissing, beta = kMissing, tfr = kMissing,
         lr = kMissing;
  double val_psnr = kMissing, val_ssim = kMissing;  // NaN on epochs without validation
  double seconds = kMissing;                        // wall time of the epoch
};

class MetricsLog {
 public:
  // Opens RUN_DIR/metrics.csv for a run whose next epoch is `first_epoch`. Rows of an existing file
  // with epoch >= first_epoch are dropped (a resumed run redoes them; a fresh run passes its first
  // epoch and so starts empty) and the file is rewritten at once.
  // Throws std::runtime_error when an existing file cannot be read or parsed.
  MetricsLog(const std::filesystem::path& run_dir, int first_epoch);

  // Adds one row and rewrites the file atomically (it is small; a crash never leaves half a row).
  // Throws std::invalid_argument when row.epoch is not greater than the last row's epoch,
  // std::runtime_error when the file cannot be written.
  void append(const MetricsRow& row);

  const std::vector<MetricsRow>& rows() const { return rows_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  void save() const;
  std::filesystem::path path_;
  std::vector<MetricsRow> rows_;
};

// Returns the rows of a metrics.csv. Columns are matched by header name, so files with fewer or
// extra columns still load (absent ones read as NaN; empty fields too).
// Throws std::runtime_error naming the file and line when it cannot be read, has no "epoch" column,
// or a field is not a number.
std::vector<MetricsRow> read_metrics_csv(const std::filesystem::path& path);

}  // namespace foresight

// Validates a whole dataset folder (every frame of every sequence of every split, not just the
// windows training happens to draw) and measures the copy-last-frame baseline, the PSNR a
// predictor gets by repeating the last frame it saw: a model must beat it to be worth anything.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace foresight {

// Baseline convention (SVG's BAIR protocol): 2 conditioning frames, 10 predicted. With frames
// indexed from 0, every frame t = 2..11 ("frames 3-12" 1-based) is predicted by frame 1, the last
// conditioning frame held still.
constexpr int kBaselinePast = 2;
constexpr int kBaselineFuture = 10;

struct SplitReport {
  std::string split;      // "train", "validate" or "test"
  int64_t sequences = 0;  // sequence folders listed
  int64_t bad = 0;        // skipped as unreadable (only with skip_bad)
  int min_frames = 0;     // over the good sequences (0 when there is none)
  int max_frames = 0;
  int64_t baseline_sequences = 0;  // good sequences with >= kBaselinePast + kBaselineFuture frames
  // Mean PSNR (dB) of copy-last over the baseline sequences and the 10 predicted frames;
  // NaN when no sequence is long enough.
  double copy_last_psnr = 0;
  // Mean over the baseline sequences per predicted frame (0-based frame kBaselinePast + i).
  std::vector<double> copy_last_psnr_per_step;
};

struct DatasetReport {
  std::filesystem::path root;
  std::vector<SplitReport> splits;  // the splits present, in kSplits order
};

// Called after each checked sequence with (split, done, total); from worker threads, serialised.
using CheckProgress = std::function<void(const std::string& split, int64_t done, int64_t total)>;

// Checks every split folder present under root (at least one must be). Loads each sequence whole
// with load_window, so every frame and CSV row is validated. Without skip_bad, throws the
// DatasetError of the first bad sequence in listing order; with it, warns once per bad sequence
// and counts it. threads: 0 = all cores.
// The pose layout (ROOT/train/train_img + train_label, ROOT/val/...; pose_clip_reader.hpp) is
// recognised too: each split is one video, reported as one sequence whose baseline windows are
// its non-overlapping 12-frame windows; a bad file there is always an error (skip_bad and threads
// do not apply).
DatasetReport check_dataset(const std::filesystem::path& root, bool skip_bad, int threads = 0,
                            const CheckProgress& progress = {});

// The report as a JSON document (NaN as null).
std::string dataset_report_json(const DatasetReport& report);

}  // namespace foresight

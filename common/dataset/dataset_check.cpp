#include "common/dataset/dataset_check.hpp"

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "common/dataset/dataset_format.hpp"
#include "common/dataset/pose_clip_reader.hpp"
#include "common/dataset/sequence_reader.hpp"
#include "common/metrics/image_metrics.hpp"
#include "common/util/host.hpp"

namespace foresight {
namespace fs = std::filesystem;

namespace {

struct SequenceResult {
  bool done = false;
  int frames = 0;
  std::vector<double> step_psnr;  // empty when too short for the baseline
  std::exception_ptr error;
  bool dataset_error = false;
  std::string message;
};

// Turns the per-step sums over the baseline sequences into means (NaN without any).
void finish_baseline(SplitReport& report) {
  double sum = 0;
  for (double& v : report.copy_last_psnr_per_step) {
    v = report.baseline_sequences > 0 ? v / static_cast<double>(report.baseline_sequences)
                                      : std::numeric_limits<double>::quiet_NaN();
    sum += v;
  }
  report.copy_last_psnr = sum / kBaselineFuture;
}

SequenceResult check_sequence(const fs::path& dir) {
  SequenceResult r;
  try {
    r.frames = count_frames(dir);
    // length >= 1 so that an empty folder fails with "0.png: missing frame".
    Sequence s = load_window(dir, 0, std::max(r.frames, 1), kImageSize);
    if (r.frames >= kBaselinePast + kBaselineFuture) {
      // Every future frame is predicted by the last conditioning frame, held still.
      auto truth = s.frames.slice(0, kBaselinePast, kBaselinePast + kBaselineFuture);
      auto seen = s.frames[kBaselinePast - 1].unsqueeze(0).expand_as(truth).contiguous();
      auto p = psnr_per_image(truth, seen).contiguous();
      r.step_psnr.assign(p.data_ptr<double>(), p.data_ptr<double>() + p.numel());
    }
  } catch (const DatasetError& e) {
    r.error = std::current_exception();
    r.dataset_error = true;
    r.message = e.what();
  } catch (...) {
    r.error = std::current_exception();
  }
  r.done = true;
  return r;
}

SplitReport check_split(const fs::path& root, const std::string& split, bool skip_bad, int threads,
                        const CheckProgress& progress) {
  const std::vector<fs::path> sequences = list_sequences(root, split);
  const auto total = static_cast<int64_t>(sequences.size());
  std::vector<SequenceResult> results(sequences.size());
  std::atomic<int64_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex progress_mu;
  int64_t done = 0;

  auto worker = [&] {
    // Sequences are claimed in order and claiming stops at the first fatal error, so every
    // sequence before it is checked and the error reported is the first in listing order.
    while (!failed) {
      const int64_t i = next++;
      if (i >= total) return;
      results[i] = check_sequence(sequences[i]);
      if (results[i].error && !(skip_bad && results[i].dataset_error)) failed = true;
      std::lock_guard<std::mutex> lock(progress_mu);
      ++done;
      if (progress) progress(split, done, total);
    }
  };
  const int n_threads = static_cast<int>(std::min<int64_t>(total, thread_count(threads)));
  std::vector<std::thread> pool;
  for (int t = 1; t < n_threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();

  SplitReport report;
  report.split = split;
  report.sequences = total;
  report.copy_last_psnr_per_step.assign(kBaselineFuture, 0.0);
  for (const SequenceResult& r : results) {
    if (!r.done) continue;  // not reached after a fatal error
    if (r.error) {
      if (!(skip_bad && r.dataset_error)) std::rethrow_exception(r.error);
      spdlog::warn("bad sequence: {}", r.message);
      ++report.bad;
      continue;
    }
    report.min_frames = report.min_frames == 0 ? r.frames : std::min(report.min_frames, r.frames);
    report.max_frames = std::max(report.max_frames, r.frames);
    if (r.step_psnr.empty()) continue;
    ++report.baseline_sequences;
    for (int s = 0; s < kBaselineFuture; ++s) report.copy_last_psnr_per_step[s] += r.step_psnr[s];
  }
  finish_baseline(report);
  return report;
}

// A pose split is one video: every frame and pose image is loaded (in chunks, to bound memory)
// and the baseline is taken over its non-overlapping windows of kBaselinePast + kBaselineFuture
// frames, each window counted as one baseline sequence. A bad file fails the split: a video has
// no sequence to skip.
SplitReport check_pose_split(const fs::path& root, const std::string& split,
                             const CheckProgress& progress) {
  constexpr int kChunk = 240;  // a multiple of the baseline window
  const PoseSplit frames = open_pose_split(root, split);
  SplitReport report;
  report.split = split;
  report.sequences = 1;
  report.min_frames = report.max_frames = frames.size();
  report.copy_last_psnr_per_step.assign(kBaselineFuture, 0.0);
  const int window = kBaselinePast + kBaselineFuture;
  const int64_t chunks = (frames.size() + kChunk - 1) / kChunk;
  for (int64_t c = 0; c < chunks; ++c) {
    const int start = static_cast<int>(c * kChunk);
    const PoseClip clip = load_pose_clip(frames, start, std::min(kChunk, frames.size() - start));
    for (int w : pose_clip_starts(static_cast<int>(clip.frames.size(0)), window)) {
      auto truth = clip.frames.slice(0, w + kBaselinePast, w + window);
      auto seen = clip.frames[w + kBaselinePast - 1].unsqueeze(0).expand_as(truth).contiguous();
      auto p = psnr_per_image(truth, seen).contiguous();
      for (int i = 0; i < kBaselineFuture; ++i) {
        report.copy_last_psnr_per_step[i] += p.data_ptr<double>()[i];
      }
      ++report.baseline_sequences;
    }
    if (progress) progress(split, c + 1, chunks);
  }
  finish_baseline(report);
  return report;
}

}  // namespace

DatasetReport check_dataset(const fs::path& root, bool skip_bad, int threads,
                            const CheckProgress& progress) {
  DatasetReport report;
  report.root = root;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw DatasetError(root.string() + ": not a folder");
  for (const std::string& split : kPoseSplits) {
    if (fs::is_directory(pose_image_dir(root, split), ec)) {
      report.splits.push_back(check_pose_split(root, split, progress));
    }
  }
  if (!report.splits.empty()) return report;  // the pose layout (data generate --world dance)
  for (const std::string& split : kSplits) {
    if (!fs::is_directory(root / split, ec)) continue;
    report.splits.push_back(check_split(root, split, skip_bad, threads, progress));
  }
  if (report.splits.empty()) {
    throw DatasetError(root.string() +
                       ": no train/, validate/ or test/ folder (BAIR layout), nor train/train_img "
                       "or val/val_img (pose layout)");
  }
  return report;
}

std::string dataset_report_json(const DatasetReport& report) {
  // nlohmann writes NaN as null, which is what a missing baseline should read as.
  nlohmann::json j;
  j["root"] = report.root.string();
  j["baseline"] = {
      {"method", "copy last frame"},
      {"conditioning_frames", kBaselinePast},
      {"predicted_frames", kBaselineFuture},
      {"predicted_frame_indices_0_based", {kBaselinePast, kBaselinePast + kBaselineFuture - 1}}};
  j["splits"] = nlohmann::json::object();
  for (const SplitReport& s : report.splits) {
    j["splits"][s.split] = {{"sequences", s.sequences},
                            {"bad", s.bad},
                            {"min_frames", s.min_frames},
                            {"max_frames", s.max_frames},
                            {"baseline_sequences", s.baseline_sequences},
                            {"copy_last_psnr", s.copy_last_psnr},
                            {"copy_last_psnr_per_step", s.copy_last_psnr_per_step}};
  }
  return j.dump(2) + "\n";
}

}  // namespace foresight

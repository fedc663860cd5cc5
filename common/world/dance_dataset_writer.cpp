#include "common/world/dance_dataset_writer.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <exception>
#include <mutex>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/dataset/pose_clip_reader.hpp"
#include "common/util/progress_bar.hpp"
#include "common/world/dance_world.hpp"
#include "common/world/rng.hpp"

namespace foresight {
namespace fs = std::filesystem;
namespace {

struct Job {
  int split, index, frames;
};

void write_png(const fs::path& file, const cv::Mat& rgb) {
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  if (!cv::imwrite(file.string(), bgr)) throw std::runtime_error(file.string() + ": write failed");
}

std::string clip_name(int index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "clip_%03d", index);
  return buf;
}

}  // namespace

uint64_t dance_clip_seed(uint64_t seed, int split, int index) {
  // Streams 100+ keep dance seeds apart from the pushing world's (0..2) for the same --seed.
  return mix_seed(mix_seed(seed, 100 + static_cast<uint64_t>(split)), static_cast<uint64_t>(index));
}

void write_dance_clip(const fs::path& dir, uint64_t clip_seed, int frames) {
  fs::create_directories(dir / kPoseFramesDir);
  fs::create_directories(dir / kPoseLabelsDir);
  DanceWorld world(clip_seed, kPoseHeight, kPoseWidth);
  for (int t = 0; t < frames; ++t) {
    if (t > 0) world.step();
    const std::string name = std::to_string(t) + ".png";
    write_png(dir / kPoseFramesDir / name, world.render_frame());
    write_png(dir / kPoseLabelsDir / name, world.render_label());
  }
}

void write_dance_dataset(const DanceDatasetOptions& o) {
  if (o.out.empty()) throw std::invalid_argument("no output folder given");
  if (o.train_frames < 0 || o.val_frames < 0) {
    throw std::invalid_argument("--train-frames and --val-frames must not be negative");
  }
  if (o.clip_frames < 2) throw std::invalid_argument("clips need at least 2 frames");
  if (o.threads < 0) throw std::invalid_argument("threads must not be negative");
  std::vector<Job> jobs;
  const int totals[2] = {o.train_frames, o.val_frames};
  for (int split = 0; split < 2; ++split) {
    for (int done = 0, i = 0; done < totals[split]; ++i) {
      const int n = std::min(o.clip_frames, totals[split] - done);
      jobs.push_back({split, i, n});
      done += n;
    }
  }
  if (jobs.empty()) return;
  fs::path staging = o.out / (".staging-" + std::to_string(::getpid()));
  fs::create_directories(staging);
  int threads = o.threads > 0 ? o.threads : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::clamp(threads, 1, static_cast<int>(jobs.size()));

  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex mu;
  {
    ProgressBar bar(static_cast<int64_t>(jobs.size()), "generate", "clip");
    auto work = [&] {
      for (size_t k = next++; k < jobs.size() && !failed; k = next++) {
        const Job& job = jobs[k];
        try {
          const std::string& split = kPoseSplits[static_cast<size_t>(job.split)];
          fs::path tmp = staging / (split + "-" + std::to_string(job.index));
          fs::remove_all(tmp);
          write_dance_clip(tmp, dance_clip_seed(o.seed, job.split, job.index), job.frames);
          fs::path target = o.out / split / clip_name(job.index);
          fs::create_directories(target.parent_path());
          fs::remove_all(target);
          fs::rename(tmp, target);
        } catch (...) {
          std::lock_guard<std::mutex> lock(mu);
          if (!error) error = std::current_exception();
          failed = true;
          return;
        }
        std::lock_guard<std::mutex> lock(mu);
        bar.tick();
      }
    };
    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
  }
  std::error_code ignored;
  fs::remove_all(staging, ignored);
  if (error) std::rethrow_exception(error);
}

}  // namespace foresight

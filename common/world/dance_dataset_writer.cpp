#include "common/world/dance_dataset_writer.hpp"

#include <unistd.h>

#include <algorithm>
#include <exception>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/util/parallel_jobs.hpp"
#include "common/world/dance_world.hpp"
#include "common/world/rng.hpp"

namespace foresight {
namespace fs = std::filesystem;
namespace {

struct Job {
  int split, index, first, frames;
};

void write_png(const fs::path& file, const cv::Mat& rgb) {
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  if (!cv::imwrite(file.string(), bgr)) throw std::runtime_error(file.string() + ": write failed");
}

}  // namespace

uint64_t dance_clip_seed(uint64_t seed, int split, int index) {
  // Streams 100+ keep dance seeds apart from the pushing world's (0..2) for the same --seed.
  return mix_seed(mix_seed(seed, 100 + static_cast<uint64_t>(split)), static_cast<uint64_t>(index));
}

void write_dance_frames(const fs::path& image_dir, const fs::path& label_dir, uint64_t dancer_seed,
                        int first, int frames, int height, int width) {
  fs::create_directories(image_dir);
  fs::create_directories(label_dir);
  DanceWorld world(dancer_seed, height, width);
  for (int t = 0; t < frames; ++t) {
    if (t > 0) world.step();
    const std::string name = "frame" + std::to_string(first + t) + ".png";
    write_png(image_dir / name, world.render_frame());
    write_png(label_dir / name, world.render_label());
  }
}

void write_dance_dataset(const DanceDatasetOptions& o) {
  if (o.out.empty()) throw std::invalid_argument("no output folder given");
  if (o.train_frames < 0 || o.val_frames < 0) {
    throw std::invalid_argument("--train-frames and --val-frames must not be negative");
  }
  if (o.dancer_frames < 2) throw std::invalid_argument("dancers need at least 2 frames");
  if (o.height < 8 || o.width < 8) throw std::invalid_argument("frames must be at least 8x8");
  if (o.threads < 0) throw std::invalid_argument("threads must not be negative");
  std::vector<Job> jobs;
  const int totals[2] = {o.train_frames, o.val_frames};
  for (int split = 0; split < 2; ++split) {
    for (int done = 0, i = 0; done < totals[split]; ++i) {
      // The validation video is one dancer: the rollout is one continuous shot.
      const int per_dancer = split == 0 ? o.dancer_frames : totals[split];
      const int n = std::min(per_dancer, totals[split] - done);
      jobs.push_back({split, i, done, n});
      done += n;
    }
  }
  if (jobs.empty()) return;
  // Staging next to the splits (same file system, so rename is atomic) but outside them.
  const fs::path staging = o.out / (".staging-" + std::to_string(::getpid()));
  std::error_code ignored;
  fs::remove_all(staging, ignored);
  fs::create_directories(staging);
  try {
    run_parallel_jobs(jobs.size(), o.threads, "generate", "dancer", [&](size_t k) {
      const Job& job = jobs[k];
      const std::string& split = kPoseSplits[static_cast<size_t>(job.split)];
      write_dance_frames(pose_image_dir(staging, split), pose_label_dir(staging, split),
                         dance_clip_seed(o.seed, job.split, job.index), job.first, job.frames,
                         o.height, o.width);
    });
    for (int split = 0; split < 2; ++split) {
      if (totals[split] == 0) continue;
      const std::string& name = kPoseSplits[static_cast<size_t>(split)];
      fs::remove_all(o.out / name);
      fs::rename(staging / name, o.out / name);
    }
  } catch (...) {
    fs::remove_all(staging, ignored);
    throw;
  }
  fs::remove_all(staging, ignored);
}

}  // namespace foresight

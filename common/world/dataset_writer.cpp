#include "common/world/dataset_writer.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <opencv2/core.hpp>
#include <stdexcept>
#include <vector>

#include "common/dataset/dataset_format.hpp"
#include "common/dataset/sequence_writer.hpp"
#include "common/util/parallel_jobs.hpp"
#include "common/world/pushing_world.hpp"
#include "common/world/rng.hpp"

namespace foresight {
namespace fs = std::filesystem;
namespace {

constexpr int kGroupSize = 256;

struct Job {
  int split, index;
};

}  // namespace

uint64_t synthetic_sequence_seed(uint64_t seed, int split, int index) {
  return mix_seed(mix_seed(seed, static_cast<uint64_t>(split)), static_cast<uint64_t>(index));
}

std::string synthetic_group_name(int index) {
  int first = index / kGroupSize * kGroupSize;
  return "traj_" + std::to_string(first) + "_to_" + std::to_string(first + kGroupSize - 1);
}

void write_synthetic_sequence(const fs::path& dir, uint64_t sequence_seed, int frames,
                              int image_size, double actuation_noise) {
  PushingWorld world(sequence_seed, image_size, actuation_noise);
  std::vector<cv::Mat> rgb;
  std::vector<std::array<float, kActionDim>> actions;
  std::vector<std::array<float, kPositionDim>> positions;
  for (int t = 0; t < frames; ++t) {
    if (t > 0) world.step();
    rgb.push_back(world.render().clone());
    actions.push_back(world.action());
    positions.push_back(world.position());
  }
  write_sequence_folder(dir, rgb, actions, positions);
}

void write_synthetic_dataset(const SyntheticDatasetOptions& o) {
  if (o.out.empty()) throw std::invalid_argument("no output folder given");
  if (o.train < 0 || o.validate < 0 || o.test < 0) {
    throw std::invalid_argument("sequence counts must not be negative");
  }
  if (o.frames < 1) throw std::invalid_argument("frames must be at least 1");
  if (o.image_size < 1) throw std::invalid_argument("image size must be positive");
  if (o.threads < 0) throw std::invalid_argument("threads must not be negative");
  if (!(o.actuation_noise >= 0 && o.actuation_noise <= 1)) {
    throw std::invalid_argument("actuation noise must be in [0, 1]");
  }

  const int counts[3] = {o.train, o.validate, o.test};
  std::vector<Job> jobs;
  for (int split = 0; split < 3; ++split) {
    for (int i = 0; i < counts[split]; ++i) jobs.push_back({split, i});
  }
  if (jobs.empty()) return;
  // Staging next to the splits (same file system, so rename is atomic) but outside them, so a
  // reader listing ROOT/<split> never meets a half-written sequence.
  fs::path staging = o.out / (".staging-" + std::to_string(::getpid()));
  fs::create_directories(staging);

  std::exception_ptr error;
  try {
    run_parallel_jobs(jobs.size(), o.threads, "generate", "seq", [&](size_t k) {
      const Job& job = jobs[k];
      const std::string& split = kSplits[static_cast<size_t>(job.split)];
      fs::path tmp = staging / (split + "-" + std::to_string(job.index));
      fs::remove_all(tmp);
      fs::create_directory(tmp);
      write_synthetic_sequence(tmp, synthetic_sequence_seed(o.seed, job.split, job.index), o.frames,
                               o.image_size, o.actuation_noise);
      fs::path target = o.out / split / synthetic_group_name(job.index) / std::to_string(job.index);
      fs::create_directories(target.parent_path());
      fs::remove_all(target);
      fs::rename(tmp, target);
    });
  } catch (...) {
    error = std::current_exception();
  }
  std::error_code ignored;
  fs::remove_all(staging, ignored);
  if (error) std::rethrow_exception(error);
}

}  // namespace foresight

// Writes dance-world clips in the pose-clip layout (common/dataset/pose_clip_reader.hpp):
// ROOT/{train,val}/clip_NNN/{frames,labels}/N.png. Each clip is a different dancer and scene with
// its own seed derived from (seed, split, index), so the bytes do not depend on the thread count.
#pragma once
#include <cstdint>
#include <filesystem>

namespace foresight {

struct DanceDatasetOptions {
  std::filesystem::path out;
  int train_frames = 630 * 16;  // split into clips of clip_frames (the last one may be shorter)
  int val_frames = 630;
  int clip_frames = 630;
  uint64_t seed = 1;
  int threads = 0;  // 0: all cores
};

// Generates every clip on worker threads with a progress bar; each clip is written to a staging
// folder under `out` and renamed into place (a clip already there is replaced), so readers never
// see a partial clip. Throws std::invalid_argument on bad options, std::runtime_error naming the
// file when writing fails.
void write_dance_dataset(const DanceDatasetOptions& options);

// Writes one clip (frames/ and labels/) straight into `dir`.
void write_dance_clip(const std::filesystem::path& dir, uint64_t clip_seed, int frames);

// The seed of clip `index` of split `split` (0 train, 1 val).
uint64_t dance_clip_seed(uint64_t seed, int split, int index);

}  // namespace foresight

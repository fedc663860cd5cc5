// Batches sequence windows for training and evaluation, loading them on worker threads ahead of
// the consumer (a bounded prefetch queue), so the device never waits on PNG decoding.
#pragma once
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace foresight {

struct Batch {
  at::Tensor frames;       // [T, B, 3, H, W] float32 in [0, 1] (time-major, as SVG consumes it)
  at::Tensor conditions;   // [T, B, 7]
  std::vector<std::string> names;  // B sequence names
};

struct LoaderOptions {
  int batch_size = 12;
  int seq_len = 12;          // frames per window (n_past + n_future, or n_eval)
  int image_size = 64;
  bool shuffle = true;       // training: shuffled order and random window start; eval: in order, start 0
  bool drop_last = true;     // drop a final partial batch
  uint64_t seed = 1;
  int workers = 2;
  int prefetch = 4;          // batches ready ahead of the consumer
  bool skip_bad = false;     // skip unreadable sequences with a warning instead of throwing
  bool pin_memory = false;   // page-locked batches (CUDA only)
};

class BatchLoader {
 public:
  // sequences: folders from list_sequences. Throws DatasetError if none.
  BatchLoader(std::vector<std::filesystem::path> sequences, LoaderOptions options);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  // Next batch of the current epoch; std::nullopt at the end of the epoch, after which the next
  // call starts a new epoch (reshuffled when shuffle is on). Rethrows a worker's DatasetError.
  std::optional<Batch> next();
  // Batches per epoch.
  int64_t batches_per_epoch() const;
  // Sequences skipped so far because of --skip-bad.
  int64_t skipped() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace foresight

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
  at::Tensor frames;      // [T, B, 3, H, W] float32 in [0, 1] (time-major, as SVG consumes it)
  at::Tensor conditions;  // [T, B, 7]
  std::vector<std::string> names;  // B sequence names
};

struct LoaderOptions {
  int batch_size = 12;
  int seq_len = 12;  // frames per window (n_past + n_future, or n_eval)
  int image_size = 64;
  bool shuffle = true;  // training: shuffled order and random window start; eval: in order, start 0
  bool drop_last = true;  // drop a final partial batch
  uint64_t seed = 1;
  int workers = 2;          // loading threads
  int prefetch = 4;         // batches ready ahead of the consumer
  bool skip_bad = false;    // skip unreadable sequences with a warning instead of throwing
  bool pin_memory = false;  // page-locked batches (CUDA only; ignored with a warning without it)
  // With drop_last: begin with batch start_batch of the stream (0-based, counting batches only,
  // not epoch ends), as if that many had been taken: a resumed run continues the same stream.
  // Exact while no sequence is skipped as bad (skip_bad shifts later batches).
  int64_t start_batch = 0;
  // Data parallel: this loader yields rank `rank` of `world`'s share of each epoch
  // (distributed_sampler.hpp's rank_share): batch_size is then per rank, the global batch
  // world * batch_size. Needs drop_last. Window starts stay those of the global order.
  int rank = 0;
  int world = 1;
};

// Each epoch visits every sequence exactly once, in batches of batch_size consecutive good
// windows of the epoch order (the last one partial unless drop_last). Epoch orders and window
// starts depend only on (seed, epoch, sequence), so the batches are the same whatever the worker
// count. Workers start loading at construction and keep going across epoch boundaries.
class BatchLoader {
 public:
  // sequences: folders from list_sequences. Throws DatasetError if none, or if drop_last leaves
  // no batch at all; std::invalid_argument if a count in options is < 1.
  BatchLoader(std::vector<std::filesystem::path> sequences, LoaderOptions options);
  // Stops the workers; returns once each has finished the window it is decoding.
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  // Next batch of the current epoch; std::nullopt at the end of the epoch, after which the next
  // call starts a new epoch (reshuffled when shuffle is on). Call from one thread. Rethrows a
  // worker's error (a DatasetError unless skip_bad, or any other exception) at the point in the
  // epoch where the failing sequence falls; the loader is then spent and every later call
  // rethrows it. With skip_bad, throws DatasetError if every sequence of an epoch failed.
  std::optional<Batch> next();
  // Batches per epoch from the sequence count (skipped sequences can make an epoch shorter).
  int64_t batches_per_epoch() const;
  // Distinct sequences skipped so far because of skip_bad (each warned about once).
  int64_t skipped() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace foresight

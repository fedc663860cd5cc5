// Writes synthetic pushing-world sequences in the dataset layout of dataset_format.hpp:
// ROOT/<split>/traj_<a>_to_<b>/<index>/ with groups of 256 as in BAIR's converted folders, and
// sequence folders numbered within their split. Each sequence has its own seed derived from
// (seed, split, index), so the bytes written do not depend on the thread count.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>

namespace foresight {

struct SyntheticDatasetOptions {
  std::filesystem::path out;
  int train = 256, validate = 32, test = 64;  // sequences per split
  int frames = 30;                            // per sequence
  int image_size = 64;
  uint64_t seed = 1;
  double actuation_noise = 0;  // PushingWorld's: the arm misses its commanded moves (0: exact)
  int threads = 0;             // 0: all cores
};

// Generates every sequence on worker threads with a progress bar. Each sequence is written to a
// staging folder under `out` and renamed into place, so readers never see a partial one; a
// sequence folder already there is replaced. Throws std::invalid_argument on bad options and
// std::runtime_error (naming the file) when writing fails.
void write_synthetic_dataset(const SyntheticDatasetOptions& options);

// Writes one sequence (frames, actions.csv, endeffector_positions.csv) straight into `dir`.
void write_synthetic_sequence(const std::filesystem::path& dir, uint64_t sequence_seed, int frames,
                              int image_size = 64, double actuation_noise = 0);

// The seed of sequence `index` of split `split` (0 train, 1 validate, 2 test).
uint64_t synthetic_sequence_seed(uint64_t seed, int split, int index);

// "traj_0_to_255" for indices 0..255, "traj_256_to_511" for 256..511, ... (full ranges, whatever
// the split size, so that a larger run extends a smaller one).
std::string synthetic_group_name(int index);

}  // namespace foresight

// Reads robot-pushing sequences (see dataset_format.hpp) into tensors.
// Every malformed input raises DatasetError whose message names the file (and line, for CSVs).
#pragma once
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace foresight {

// "path:line: what is wrong" (line omitted when it does not apply).
class DatasetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Sequence {
  at::Tensor frames;      // [T, 3, H, W] float32 in [0, 1], RGB
  at::Tensor conditions;  // [T, 7] float32: action (4) ++ end-effector position (3)
  std::string name;       // "<group>/<sequence>"
};

// Sequence folders of ROOT/split, sorted by group then sequence (numerically where the names are
// numbers). Throws DatasetError when ROOT/split does not exist or holds no sequence.
std::vector<std::filesystem::path> list_sequences(const std::filesystem::path& root,
                                                  const std::string& split);

// Number of frames in a sequence folder (count of consecutive N.png from 0).
int count_frames(const std::filesystem::path& sequence_dir);

// Loads frames [start, start + length) with their condition rows. Checks every frame exists and is
// image_size x image_size RGB, each CSV has >= start + length rows of the right column count, and
// every number is finite. Throws DatasetError naming the offending file and line.
Sequence load_window(const std::filesystem::path& sequence_dir, int start, int length,
                     int image_size = 64);

// Parses one CSV of `columns` floats per row. Accepts ',' or ';' or whitespace separators, CRLF,
// a header row of non-numbers, blank lines, a UTF-8 BOM. Returns rows (at least min_rows).
std::vector<std::vector<float>> read_csv_rows(const std::filesystem::path& file, int columns,
                                              int min_rows);

}  // namespace foresight

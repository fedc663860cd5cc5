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

// Sequence folders of ROOT/split, sorted by group then sequence in natural order (digit runs
// compare as numbers: "2" < "10", "traj_256_to_511" < "traj_1024_to_1279"). Hidden folders
// (".name") and plain files are ignored. Throws DatasetError when ROOT/split does not exist or
// holds no sequence.
std::vector<std::filesystem::path> list_sequences(const std::filesystem::path& root,
                                                  const std::string& split);

// Number of frames in a sequence folder: the N.png files (N in canonical decimal, no leading
// zeros) numbered 0..count-1. Throws DatasetError naming the first missing N.png when the
// numbering has a gap, and when the folder cannot be listed. 0 when there is no frame at all.
int count_frames(const std::filesystem::path& sequence_dir);

// Loads frames [start, start + length) with their condition rows. Checks that the frame numbering
// has no gap, that the window lies inside it, that both CSVs are valid throughout and hold at least
// one row per frame of the whole sequence (not just of the window, so that a sequence loads or
// fails the same way whatever window is drawn), and that every frame in the window decodes to
// image_size x image_size colour. 8-bit and 16-bit PNGs are accepted; an alpha channel is dropped
// only when fully opaque; grayscale is rejected (the models are RGB and a gray frame in a colour
// video means a broken conversion). Throws DatasetError naming the offending file (and CSV line);
// std::invalid_argument when start < 0 or length < 1.
Sequence load_window(const std::filesystem::path& sequence_dir, int start, int length,
                     int image_size = 64);

// Natural order: digit runs compare by value, so "traj_256_to_511" sorts before
// "traj_1024_to_1279" and sequence "10" after "9", as the converters numbered them.
bool natural_less(const std::string& a, const std::string& b);

// Subfolders of dir in natural order, hidden ones (".name") left out. Throws DatasetError when dir
// cannot be listed.
std::vector<std::filesystem::path> sorted_subfolders(const std::filesystem::path& dir);

// Decodes one PNG into dst (3 planes of height x width floats in [0, 1], RGB), with the checks of
// load_window: exact size (never resized), 8/16 bit, opaque, colour. Throws DatasetError naming
// file.
void read_rgb_image(const std::filesystem::path& file, int height, int width, float* dst);

// Parses one CSV of `columns` finite floats per row, validating every row (rows beyond what the
// caller needs are parsed, then ignored by it). Accepts ',' or ';' or whitespace separators, CR,
// LF or CRLF line ends, a UTF-8 BOM, blank lines, surrounding spaces and double quotes, a leading
// '+', exponents; a first row of non-numbers, or exactly "0,1,...,columns-1" (pandas' default
// column names), is a header and skipped. Throws DatasetError "file:line: ..." for a wrong number
// of columns, a non-number, NaN/inf or a float32 overflow, and when fewer than min_rows remain.
std::vector<std::vector<float>> read_csv_rows(const std::filesystem::path& file, int columns,
                                              int min_rows);

}  // namespace foresight

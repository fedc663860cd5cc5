#include "common/dataset/sequence_reader.hpp"

#include <ATen/ATen.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>
#include <string_view>

#include "common/dataset/dataset_format.hpp"

namespace foresight {
namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const fs::path& file, const std::string& what) {
  throw DatasetError(file.string() + ": " + what);
}

[[noreturn]] void fail(const fs::path& file, int line, const std::string& what) {
  throw DatasetError(file.string() + ":" + std::to_string(line) + ": " + what);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool natural_less(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      size_t ie = i, je = j;
      while (ie < a.size() && is_digit(a[ie])) ++ie;
      while (je < b.size() && is_digit(b[je])) ++je;
      size_t iz = i, jz = j;
      while (iz + 1 < ie && a[iz] == '0') ++iz;
      while (jz + 1 < je && b[jz] == '0') ++jz;
      std::string_view da(a.data() + iz, ie - iz), db(b.data() + jz, je - jz);
      if (da.size() != db.size()) return da.size() < db.size();
      if (da != db) return da < db;
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  if ((i < a.size()) != (j < b.size())) return j < b.size();
  return a < b;  // equal by value ("01" vs "1"): any fixed order keeps listings reproducible
}

std::vector<fs::path> sorted_subfolders(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    std::error_code type_ec;
    if (it->is_directory(type_ec)) out.push_back(it->path());
  }
  if (ec) fail(dir, "cannot list folder: " + ec.message());
  std::sort(out.begin(), out.end(), [](const fs::path& x, const fs::path& y) {
    return natural_less(x.filename().string(), y.filename().string());
  });
  return out;
}

namespace {

// "N.png" with N canonical decimal -> N, else -1.
int frame_index(const std::string& name) {
  constexpr std::string_view kExt = ".png";
  if (name.size() <= kExt.size() || name.compare(name.size() - kExt.size(), kExt.size(), kExt) != 0)
    return -1;
  std::string_view digits(name.data(), name.size() - kExt.size());
  if (digits.size() > 9 || (digits.size() > 1 && digits[0] == '0')) return -1;
  int value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return -1;
  return value;
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}

std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> fields;
  char sep = line.find(',') != std::string::npos   ? ','
             : line.find(';') != std::string::npos ? ';'
                                                   : ' ';
  if (sep == ' ') {
    std::istringstream in(line);
    for (std::string f; in >> f;) fields.push_back(f);
    return fields;
  }
  size_t begin = 0;
  while (true) {
    size_t end = line.find(sep, begin);
    std::string f = trim(std::string_view(line).substr(begin, end - begin));
    if (f.size() >= 2 && f.front() == '"' && f.back() == '"') f = trim(f.substr(1, f.size() - 2));
    fields.push_back(f);
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return fields;
}

enum class Parse { kOk, kNotANumber, kNonFinite, kOutOfRange };

// Locale-independent (std::from_chars), so a German-locale process cannot read "0,5" semantics in.
Parse parse_float(const std::string& field, float& out) {
  std::string_view s(field);
  if (s.size() > 1 && s[0] == '+' && s[1] != '-' && s[1] != '+') s.remove_prefix(1);
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ptr != s.data() + s.size()) return Parse::kNotANumber;
  if (ec == std::errc::invalid_argument) return Parse::kNotANumber;
  if (ec == std::errc::result_out_of_range) return Parse::kOutOfRange;
  if (!std::isfinite(v)) return Parse::kNonFinite;
  if (std::fabs(v) > std::numeric_limits<float>::max()) return Parse::kOutOfRange;
  out = static_cast<float>(v);
  return Parse::kOk;
}

bool is_header(const std::vector<std::string>& fields, int columns) {
  float ignored;
  bool all_words = std::none_of(fields.begin(), fields.end(), [&](const std::string& f) {
    return parse_float(f, ignored) != Parse::kNotANumber;
  });
  if (all_words) return true;
  // pandas writes its default integer column names as the first row; taking it for data would
  // shift every condition by one frame.
  if (static_cast<int>(fields.size()) != columns) return false;
  for (int c = 0; c < columns; ++c) {
    if (fields[c] != std::to_string(c)) return false;
  }
  return true;
}

std::string read_bytes(const fs::path& file, const char* what) {
  std::error_code ec;
  if (!fs::exists(file, ec)) fail(file, std::string("missing ") + what);
  std::ifstream in(file, std::ios::binary);
  if (!in) fail(file, std::string("cannot open ") + what);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) fail(file, std::string("cannot read ") + what);
  return bytes;
}

}  // namespace

void read_rgb_image(const fs::path& file, int height, int width, float* dst) {
  std::string bytes = read_bytes(file, "frame");
  cv::Mat img;
  try {
    img = cv::imdecode(cv::Mat(1, static_cast<int>(bytes.size()), CV_8U, bytes.data()),
                       cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    fail(file, std::string("cannot decode image: ") + e.what());
  }
  if (img.empty()) fail(file, "not a decodable image (corrupt or truncated?)");
  if (img.cols != width || img.rows != height) {
    fail(file, "image is " + std::to_string(img.cols) + "x" + std::to_string(img.rows) +
                   ", expected " + std::to_string(width) + "x" + std::to_string(height));
  }
  double scale;
  if (img.depth() == CV_8U) {
    scale = 1.0 / 255.0;
  } else if (img.depth() == CV_16U) {
    scale = 1.0 / 65535.0;
  } else {
    fail(file, "unsupported pixel depth (expected 8 or 16 bits per channel)");
  }
  cv::Mat rgb;
  switch (img.channels()) {
    case 3:
      cv::cvtColor(img, rgb, cv::COLOR_BGR2RGB);
      break;
    case 4: {
      cv::Mat alpha;
      cv::extractChannel(img, alpha, 3);
      double min_alpha = 0;
      cv::minMaxLoc(alpha, &min_alpha);
      if (min_alpha < (img.depth() == CV_8U ? 255.0 : 65535.0)) {
        fail(file, "image has transparent pixels; expected opaque RGB");
      }
      cv::cvtColor(img, rgb, cv::COLOR_BGRA2RGB);
      break;
    }
    default:
      fail(file,
           "grayscale image (" + std::to_string(img.channels()) + " channel(s)); expected RGB");
  }
  cv::Mat f;
  rgb.convertTo(f, CV_32F, scale);
  const size_t plane = static_cast<size_t>(height) * width;
  for (int y = 0; y < height; ++y) {
    const float* p = f.ptr<float>(y);
    for (int x = 0; x < width; ++x) {
      const size_t o = static_cast<size_t>(y) * width + x;
      dst[o] = p[3 * x];
      dst[plane + o] = p[3 * x + 1];
      dst[2 * plane + o] = p[3 * x + 2];
    }
  }
}

namespace {

std::string sequence_name(const fs::path& dir) {
  fs::path d = dir.has_filename() ? dir : dir.parent_path();
  return d.parent_path().filename().string() + "/" + d.filename().string();
}

}  // namespace

std::vector<fs::path> list_sequences(const fs::path& root, const std::string& split) {
  const fs::path dir = root / split;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) fail(dir, "split folder does not exist");
  std::vector<fs::path> sequences;
  for (const fs::path& group : sorted_subfolders(dir)) {
    for (fs::path& seq : sorted_subfolders(group)) sequences.push_back(std::move(seq));
  }
  if (sequences.empty())
    fail(dir, "no sequence folders (expected " + dir.string() + "/<group>/<sequence>/)");
  return sequences;
}

int count_frames(const fs::path& sequence_dir) {
  std::error_code ec;
  if (!fs::is_directory(sequence_dir, ec)) fail(sequence_dir, "not a folder");
  std::vector<int> indices;
  for (fs::directory_iterator it(sequence_dir, ec), end; !ec && it != end; it.increment(ec)) {
    int i = frame_index(it->path().filename().string());
    if (i >= 0) indices.push_back(i);
  }
  if (ec) fail(sequence_dir, "cannot list folder: " + ec.message());
  std::sort(indices.begin(), indices.end());
  for (size_t i = 0; i < indices.size(); ++i) {
    if (indices[i] != static_cast<int>(i)) {
      fail(sequence_dir / (std::to_string(i) + ".png"),
           "missing frame (frames up to " + std::to_string(indices.back()) + ".png exist)");
    }
  }
  return static_cast<int>(indices.size());
}

std::vector<std::vector<float>> read_csv_rows(const fs::path& file, int columns, int min_rows) {
  std::string text = read_bytes(file, "CSV file");
  std::string_view rest(text);
  if (rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);

  std::vector<std::vector<float>> rows;
  int line_no = 0;
  bool seen_content = false;
  while (!rest.empty()) {
    size_t end = rest.find_first_of("\r\n");
    std::string_view raw = rest.substr(0, end);
    if (end == std::string_view::npos) {
      rest = {};
    } else {
      size_t skip = (rest[end] == '\r' && end + 1 < rest.size() && rest[end + 1] == '\n') ? 2 : 1;
      rest.remove_prefix(end + skip);
    }
    ++line_no;
    std::string line = trim(raw);
    if (line.empty()) continue;
    std::vector<std::string> fields = split_fields(line);
    if (!seen_content) {
      seen_content = true;
      if (is_header(fields, columns)) continue;
    }
    if (static_cast<int>(fields.size()) != columns) {
      fail(file, line_no,
           "expected " + std::to_string(columns) + " numbers, found " +
               std::to_string(fields.size()) + " fields");
    }
    std::vector<float> row(columns);
    for (int c = 0; c < columns; ++c) {
      switch (parse_float(fields[c], row[c])) {
        case Parse::kOk:
          break;
        case Parse::kNotANumber:
          fail(file, line_no,
               "column " + std::to_string(c + 1) + ": '" + fields[c] + "' is not a number");
        case Parse::kNonFinite:
          fail(file, line_no,
               "column " + std::to_string(c + 1) + ": non-finite value '" + fields[c] + "'");
        case Parse::kOutOfRange:
          fail(file, line_no,
               "column " + std::to_string(c + 1) + ": '" + fields[c] + "' is out of float32 range");
      }
    }
    rows.push_back(std::move(row));
  }
  if (static_cast<int>(rows.size()) < min_rows) {
    fail(file, std::max(line_no, 1),
         "too few rows: " + std::to_string(rows.size()) + " rows of numbers, need " +
             std::to_string(min_rows) + " (one per frame)");
  }
  return rows;
}

Sequence load_window(const fs::path& sequence_dir, int start, int length, int image_size) {
  if (start < 0 || length < 1 || image_size < 1) {
    throw std::invalid_argument("load_window: need start >= 0, length >= 1, image_size >= 1");
  }
  const int frames = count_frames(sequence_dir);
  if (start + length > frames) {
    fail(sequence_dir / (std::to_string(frames) + ".png"),
         "missing frame (the sequence has " + std::to_string(frames) + " frames, the window " +
             std::to_string(start) + ".." + std::to_string(start + length - 1) + " needs it)");
  }
  // Rows for the whole sequence, not just the window: a short CSV must fail on every window.
  auto actions = read_csv_rows(sequence_dir / kActionsFile, kActionDim, frames);
  auto positions = read_csv_rows(sequence_dir / kPositionsFile, kPositionDim, frames);

  Sequence seq;
  seq.name = sequence_name(sequence_dir);
  seq.conditions = at::empty({length, kConditionDim}, at::kFloat);
  float* c = seq.conditions.data_ptr<float>();
  for (int t = 0; t < length; ++t) {
    const auto& a = actions[start + t];
    const auto& p = positions[start + t];
    std::copy(a.begin(), a.end(), c + t * kConditionDim);
    std::copy(p.begin(), p.end(), c + t * kConditionDim + kActionDim);
  }
  seq.frames = at::empty({length, kImageChannels, image_size, image_size}, at::kFloat);
  float* f = seq.frames.data_ptr<float>();
  const size_t frame_floats = static_cast<size_t>(kImageChannels) * image_size * image_size;
  for (int t = 0; t < length; ++t) {
    read_rgb_image(sequence_dir / (std::to_string(start + t) + ".png"), image_size, image_size,
                   f + t * frame_floats);
  }
  return seq;
}

}  // namespace foresight

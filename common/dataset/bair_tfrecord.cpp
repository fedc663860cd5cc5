#include "common/dataset/bair_tfrecord.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <opencv2/core.hpp>

#include "common/dataset/dataset_format.hpp"
#include "common/dataset/sequence_reader.hpp"
#include "common/dataset/sequence_writer.hpp"
#include "common/dataset/tfrecord.hpp"
#include "common/util/parallel_jobs.hpp"
#include "common/world/dataset_writer.hpp"

namespace foresight {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kRawImageBytes = kImageSize * kImageSize * kImageChannels;

const TfFeature& feature(const TfExample& ex, const std::string& key, TfFeature::Kind kind,
                         const char* kind_name) {
  auto it = ex.find(key);
  if (it == ex.end()) throw std::runtime_error("missing key '" + key + "'");
  if (it->second.kind != kind) {
    throw std::runtime_error("key '" + key + "' is not a " + std::string(kind_name));
  }
  return it->second;
}

template <std::size_t N>
std::array<float, N> floats(const TfExample& ex, const std::string& key) {
  const TfFeature& f = feature(ex, key, TfFeature::Kind::floats, "float list");
  if (f.floats.size() != N) {
    throw std::runtime_error("key '" + key + "' has " + std::to_string(f.floats.size()) +
                             " floats, expected " + std::to_string(N));
  }
  std::array<float, N> out{};
  std::copy(f.floats.begin(), f.floats.end(), out.begin());
  return out;
}

std::vector<fs::path> tfrecord_files(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == ".tfrecords") {
      files.push_back(it->path());
    }
  }
  if (ec) throw DatasetError(dir.string() + ": cannot list (" + ec.message() + ")");
  std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
    return natural_less(a.filename().string(), b.filename().string());
  });
  return files;
}

struct SourceFile {
  fs::path path;
  bool test = false;
  int64_t first = 0;  // index of its first record within its source split
  int64_t records = 0;
};

}  // namespace

BairSequence decode_bair_example(const TfExample& ex, const std::string& camera) {
  BairSequence s;
  for (int t = 0;; ++t) {
    const std::string prefix = std::to_string(t) + "/";
    const std::string image_key = prefix + "image_" + camera + "/encoded";
    if (ex.find(image_key) == ex.end()) {
      if (t == 0) throw std::runtime_error("missing key '" + image_key + "'");
      break;
    }
    const TfFeature& img = feature(ex, image_key, TfFeature::Kind::bytes, "bytes list");
    if (img.bytes.size() != 1 || img.bytes[0].size() != kRawImageBytes) {
      throw std::runtime_error(
          "key '" + image_key + "' holds " +
          (img.bytes.size() == 1 ? std::to_string(img.bytes[0].size())
                                 : std::to_string(img.bytes.size()) + " values") +
          (img.bytes.size() == 1 ? " bytes" : "") + ", expected 12288 (64x64x3 raw RGB)");
    }
    cv::Mat rgb(kImageSize, kImageSize, CV_8UC3);
    std::memcpy(rgb.data, img.bytes[0].data(), kRawImageBytes);
    s.frames.push_back(rgb);
    s.actions.push_back(floats<4>(ex, prefix + "action"));
    s.positions.push_back(floats<3>(ex, prefix + "endeffector_pos"));
  }
  return s;
}

BairConvertSummary convert_bair(const BairConvertOptions& o) {
  if (o.src.empty() || o.out.empty())
    throw std::invalid_argument("convert-bair: SRC and --out are required");
  if (o.validate < 0) throw std::invalid_argument("--validate must not be negative");
  if (o.camera != "aux1" && o.camera != "main") {
    throw std::invalid_argument("--camera must be aux1 or main, not '" + o.camera + "'");
  }
  const auto t0 = std::chrono::steady_clock::now();
  std::error_code ec;
  if (!fs::is_directory(o.src / "train", ec) && !fs::is_directory(o.src / "test", ec)) {
    throw DatasetError(o.src.string() + ": no train/ or test/ folder of .tfrecords files");
  }
  // Record counts first (headers only), so that the validate split is the last N train sequences
  // and every sequence's index is known before the files are converted in parallel.
  std::vector<SourceFile> files;
  int64_t counts[2] = {0, 0};
  for (int test = 0; test < 2; ++test) {
    const fs::path dir = o.src / (test ? "test" : "train");
    if (!fs::is_directory(dir, ec)) continue;
    for (const fs::path& f : tfrecord_files(dir)) {
      TfRecordReader reader(f);
      SourceFile sf{f, test == 1, counts[test], 0};
      while (reader.skip()) ++sf.records;
      counts[test] += sf.records;
      files.push_back(sf);
    }
  }
  const int64_t validate = std::min<int64_t>(o.validate, counts[0]);
  BairConvertSummary summary;
  summary.sequences[0] = counts[0] - validate;
  summary.sequences[1] = validate;
  summary.sequences[2] = counts[1];
  spdlog::info("{}: {} train and {} test sequences in {} files; {} train sequences go to validate/",
               o.src.string(), counts[0], counts[1], files.size(), validate);

  // Staging folders of a killed earlier run hold only unfinished sequences: they go (one
  // conversion at a time per ROOT).
  fs::create_directories(o.out);
  for (const auto& e : fs::directory_iterator(o.out)) {
    if (e.path().filename().string().rfind(".staging-", 0) == 0) fs::remove_all(e.path());
  }
  const fs::path staging = o.out / (".staging-" + std::to_string(::getpid()));
  fs::create_directories(staging);
  std::atomic<int64_t> converted{0}, there{0};
  std::atomic<int64_t> bad[3] = {{0}, {0}, {0}};
  std::exception_ptr error;
  try {
    run_parallel_jobs(files.size(), o.threads, "convert", "file", [&](std::size_t k) {
      const SourceFile& sf = files[k];
      TfRecordReader reader(sf.path);
      std::string record;
      // (split, index within it) of the file's record r.
      auto place = [&](int64_t r) -> std::pair<int, int64_t> {
        const int64_t index = sf.first + r;
        if (sf.test) return {2, index};
        if (index >= summary.sequences[0]) return {1, index - summary.sequences[0]};
        return {0, index};
      };
      for (int64_t r = 0; r < sf.records; ++r) {
        const auto [split, i] = place(r);
        const fs::path target = o.out / kSplits[static_cast<std::size_t>(split)] /
                                synthetic_group_name(static_cast<int>(i)) / std::to_string(i);
        std::error_code exists_ec;
        if (fs::exists(target, exists_ec)) {  // written whole by an earlier run: skip
          reader.skip();
          ++there;
          continue;
        }
        BairSequence s;
        try {
          reader.next(record);
          s = decode_bair_example(parse_tf_example(record), o.camera);
        } catch (const std::exception& e) {
          const std::string what =
              dynamic_cast<const DatasetError*>(&e)
                  ? std::string(e.what())
                  : sf.path.string() + ": record " + std::to_string(r) + ": " + e.what();
          if (!o.skip_bad) throw DatasetError(what);
          if (!dynamic_cast<const DatasetError*>(&e)) {
            spdlog::warn("skipping a bad record (--skip-bad): {}", what);
            ++bad[split];
            continue;
          }
          // The file's framing is broken: its remaining records cannot be found.
          spdlog::warn("skipping the rest of {} from record {} (--skip-bad): {}", sf.path.string(),
                       r, what);
          for (int64_t rest = r; rest < sf.records; ++rest) ++bad[place(rest).first];
          return;
        }
        const fs::path tmp = staging / (std::to_string(split) + "-" + std::to_string(i));
        fs::remove_all(tmp);
        fs::create_directories(tmp);
        write_sequence_folder(tmp, s.frames, s.actions, s.positions);
        fs::create_directories(target.parent_path());
        fs::rename(tmp, target);
        ++converted;
      }
    });
  } catch (...) {
    error = std::current_exception();
  }
  fs::remove_all(staging, ec);
  if (error) std::rethrow_exception(error);
  summary.converted = converted;
  summary.already_there = there;
  for (int split = 0; split < 3; ++split) {
    summary.bad += bad[split];
    summary.sequences[split] -= bad[split];
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return summary;
}

}  // namespace foresight

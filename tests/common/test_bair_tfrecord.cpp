// BAIR TFRecords -> the dataset layout: fixtures written by a writer of this file (its own
// protobuf encoder and bitwise CRC-32C, not the reader's code), converted, and compared pixel for
// pixel and float for float; every error named with file, record and key; --skip-bad counts;
// a killed conversion restarts; the protobuf variations (key order, packed or not, unknown fields).
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>

#include "common/dataset/bair_tfrecord.hpp"
#include "common/dataset/dataset_check.hpp"
#include "common/dataset/sequence_reader.hpp"
#include "common/dataset/tf_example.hpp"
#include "common/dataset/tfrecord.hpp"
#include "support/test_support.hpp"

namespace foresight {
namespace {
namespace fs = std::filesystem;

// ---- an independent writer ---------------------------------------------------------------------

std::string varint(uint64_t v) {
  std::string out;
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    out += static_cast<char>(v ? b | 0x80 : b);
  } while (v);
  return out;
}
std::string field(uint32_t number, uint32_t type) { return varint(uint64_t{number} << 3 | type); }
std::string len_field(uint32_t number, const std::string& payload) {
  return field(number, 2) + varint(payload.size()) + payload;
}
std::string le32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (8 * i));
  return s;
}
std::string float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return le32(u);
}

struct Fixture {
  std::vector<std::pair<std::string, std::string>> entries;  // key, encoded Feature
  void bytes(const std::string& key, const std::string& value) {
    entries.emplace_back(key, len_field(1, len_field(1, value)));
  }
  void floats(const std::string& key, const std::vector<float>& v, bool packed) {
    std::string list;
    if (packed) {
      std::string all;
      for (float f : v) all += float_bits(f);
      list = len_field(1, all);
    } else {
      for (float f : v) list += field(1, 5) + float_bits(f);
    }
    entries.emplace_back(key, len_field(2, list));
  }
  // Value before key in every other entry, an unknown field in the Example.
  std::string encode() const {
    std::string features;
    for (size_t i = 0; i < entries.size(); ++i) {
      const std::string key = len_field(1, entries[i].first);
      const std::string value = len_field(2, entries[i].second);
      features += len_field(1, i % 2 ? value + key : key + value);
    }
    return field(7, 0) + varint(123) + len_field(1, features);
  }
};

uint32_t crc32c_bitwise(const std::string& s) {
  uint32_t crc = 0xffffffffu;
  for (unsigned char c : s) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = crc & 1 ? (crc >> 1) ^ 0x82f63b78u : crc >> 1;
  }
  return ~crc;
}
uint32_t masked(const std::string& s) {
  const uint32_t c = crc32c_bitwise(s);
  return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}
std::string frame_record(const std::string& data) {
  std::string len(8, '\0');
  for (int i = 0; i < 8; ++i) len[i] = static_cast<char>(uint64_t{data.size()} >> (8 * i));
  return len + le32(masked(len)) + data + le32(masked(data));
}

struct Truth {
  std::vector<std::string> images;  // aux1, raw RGB
  std::vector<std::vector<float>> actions, positions;
};

// A sequence of `frames` frames with random pixels and floats; `skip` leaves one key out and
// `bad_image` shortens frame 0's image.
std::pair<std::string, Truth> sequence(std::mt19937& rng, int frames, const std::string& skip = "",
                                       bool bad_image = false, int action_count = 4) {
  Fixture f;
  Truth t;
  std::uniform_int_distribution<int> byte(0, 255);
  std::normal_distribution<float> real(0.f, 0.1f);
  for (int i = 0; i < frames; ++i) {
    const std::string p = std::to_string(i) + "/";
    std::string aux(12288, '\0'), main(12288, '\0');
    for (auto& c : aux) c = static_cast<char>(byte(rng));
    for (auto& c : main) c = static_cast<char>(byte(rng));
    if (bad_image && i == 0) aux.pop_back();
    std::vector<float> a(action_count), pos(3);
    for (auto& v : a) v = real(rng);
    for (auto& v : pos) v = real(rng);
    if (p + "image_aux1/encoded" != skip) f.bytes(p + "image_aux1/encoded", aux);
    f.bytes(p + "image_main/encoded", main);
    if (p + "action" != skip) f.floats(p + "action", a, i % 2 == 0);
    f.floats(p + "endeffector_pos", pos, i % 2 == 1);
    t.images.push_back(aux);
    t.actions.push_back(a);
    t.positions.push_back(pos);
  }
  std::shuffle(f.entries.begin(), f.entries.end(), rng);
  return {f.encode(), t};
}

void write_file(const fs::path& file, const std::string& bytes) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// SRC/train with two files (3 + 2 sequences) and SRC/test with one (1 sequence), 4 frames each.
struct Source {
  fs::path dir;
  std::vector<Truth> train, test;
};
Source make_source(const std::string& tag) {
  Source s;
  s.dir = testing::scratch_dir(tag);
  std::mt19937 rng(7);
  auto write = [&](const fs::path& file, int n, std::vector<Truth>& out) {
    std::string bytes;
    for (int i = 0; i < n; ++i) {
      auto [data, truth] = sequence(rng, 4);
      bytes += frame_record(data);
      out.push_back(truth);
    }
    write_file(file, bytes);
  };
  write(s.dir / "train" / "traj_0_to_255.tfrecords", 3, s.train);
  write(s.dir / "train" / "traj_256_to_511.tfrecords", 2, s.train);  // natural order: second
  write(s.dir / "test" / "traj_0_to_255.tfrecords", 1, s.test);
  return s;
}

void expect_sequence(const fs::path& dir, const Truth& t) {
  ASSERT_TRUE(fs::exists(dir)) << dir;
  for (size_t i = 0; i < t.images.size(); ++i) {
    cv::Mat bgr = cv::imread((dir / (std::to_string(i) + ".png")).string(), cv::IMREAD_UNCHANGED);
    ASSERT_EQ(bgr.type(), CV_8UC3);
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    EXPECT_EQ(std::memcmp(rgb.data, t.images[i].data(), 12288), 0) << dir << " frame " << i;
  }
  auto actions = read_csv_rows(dir / "actions.csv", 4, 4);
  auto positions = read_csv_rows(dir / "endeffector_positions.csv", 3, 4);
  for (size_t i = 0; i < t.actions.size(); ++i) {
    EXPECT_EQ(actions[i], t.actions[i]) << dir << " row " << i;  // bit for bit
    EXPECT_EQ(positions[i], t.positions[i]) << dir << " row " << i;
  }
}

// ---- tests
// ---------------------------------------------------------------------------------------

TEST(BairTfRecord, ConvertsExactPixelsAndFloatsAndDataCheckAgrees) {
  Source src = make_source("bair-src");
  BairConvertOptions o;
  o.src = src.dir;
  o.out = testing::scratch_dir("bair-out");
  o.validate = 2;
  o.threads = 2;
  const BairConvertSummary s = convert_bair(o);
  EXPECT_EQ(s.sequences[0], 3);
  EXPECT_EQ(s.sequences[1], 2);
  EXPECT_EQ(s.sequences[2], 1);
  EXPECT_EQ(s.converted, 6);
  for (int i = 0; i < 3; ++i) {
    expect_sequence(o.out / "train" / "traj_0_to_255" / std::to_string(i), src.train[i]);
  }
  for (int i = 0; i < 2; ++i) {  // the last two train sequences, in file then record order
    expect_sequence(o.out / "validate" / "traj_0_to_255" / std::to_string(i), src.train[3 + i]);
  }
  expect_sequence(o.out / "test" / "traj_0_to_255" / "0", src.test[0]);
  const DatasetReport report = check_dataset(o.out, false);
  ASSERT_EQ(report.splits.size(), 3u);
  for (int split = 0; split < 3; ++split) {
    EXPECT_EQ(report.splits[split].sequences, s.sequences[split]) << split;
    EXPECT_EQ(report.splits[split].min_frames, 4);
  }
  for (const auto& e : fs::directory_iterator(o.out)) {
    EXPECT_NE(e.path().filename().string().rfind(".staging", 0), 0u) << "staging left behind";
  }
}

TEST(BairTfRecord, TheMainCameraIsTheOtherImage) {
  Fixture f;
  f.bytes("0/image_main/encoded", std::string(12288, '\x11'));
  f.bytes("0/image_aux1/encoded", std::string(12288, '\x22'));
  f.floats("0/action", {1, 2, 3, 4}, true);
  f.floats("0/endeffector_pos", {5, 6, 7}, false);
  const TfExample ex = parse_tf_example(f.encode());
  EXPECT_EQ(decode_bair_example(ex, "main").frames[0].at<cv::Vec3b>(0, 0)[0], 0x11);
  EXPECT_EQ(decode_bair_example(ex, "aux1").frames[0].at<cv::Vec3b>(5, 5)[2], 0x22);
  EXPECT_EQ(decode_bair_example(ex, "aux1").positions[0][2], 7.f);
}

TEST(BairTfRecord, ChecksumsOfTheIndependentWriterAgree) {
  const std::string s = "123456789";
  EXPECT_EQ(crc32c(s.data(), s.size()), 0xe3069283u);  // the CRC-32C check value
  EXPECT_EQ(crc32c(s.data(), s.size()), crc32c_bitwise(s));
}

// Every kind of bad input, each named with the file, the record and (for content) the key.
TEST(BairTfRecord, EveryErrorNamesFileRecordAndKey) {
  std::mt19937 rng(11);
  const std::string good = frame_record(sequence(rng, 2).first);
  auto expect_error = [&](const std::string& name, const std::string& second,
                          const std::vector<std::string>& words) {
    const fs::path src = testing::scratch_dir("bair-bad-" + name);
    write_file(src / "train" / "traj_0_to_255.tfrecords", good + second);
    BairConvertOptions o;
    o.src = src;
    o.out = src / "out";
    o.validate = 0;
    try {
      convert_bair(o);
      ADD_FAILURE() << name << ": converted";
    } catch (const DatasetError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("traj_0_to_255.tfrecords"), std::string::npos) << what;
      for (const auto& w : words)
        EXPECT_NE(what.find(w), std::string::npos) << name << ": " << what;
    }
  };
  const std::string record = frame_record(sequence(rng, 2).first);
  std::string bad_len = record;
  bad_len[0] ^= 1;
  std::string bad_data = record;
  bad_data[20] ^= 1;
  expect_error("truncated", record.substr(0, record.size() - 7), {"record 1", "truncated"});
  expect_error("length-crc", bad_len, {"record 1", "checksum mismatch of the length"});
  expect_error("data-crc", bad_data, {"record 1", "checksum mismatch of the data"});
  expect_error("missing-key", frame_record(sequence(rng, 2, "1/action").first),
               {"record 1", "missing key '1/action'"});
  expect_error("image-size", frame_record(sequence(rng, 2, "", true).first),
               {"record 1", "'0/image_aux1/encoded'", "12287 bytes"});
  expect_error("floats", frame_record(sequence(rng, 2, "", false, 3).first),
               {"record 1", "'0/action' has 3 floats, expected 4"});
  expect_error("not-protobuf",
               frame_record(std::string("\x0a\x05"
                                        "ab",
                                        4)),
               {"record 1", "past the end"});
}

TEST(BairTfRecord, SkipBadCountsAndConvertsTheRest) {
  std::mt19937 rng(5);
  const fs::path src = testing::scratch_dir("bair-skip");
  std::string bytes = frame_record(sequence(rng, 2).first) +
                      frame_record(sequence(rng, 2, "0/image_aux1/encoded").first) +
                      frame_record(sequence(rng, 2).first);
  write_file(src / "train" / "traj_0_to_255.tfrecords", bytes);
  BairConvertOptions o;
  o.src = src;
  o.out = src / "out";
  o.validate = 0;
  o.skip_bad = true;
  const BairConvertSummary s = convert_bair(o);
  EXPECT_EQ(s.bad, 1);
  EXPECT_EQ(s.converted, 2);
  EXPECT_EQ(s.sequences[0], 2);
  EXPECT_TRUE(fs::exists(o.out / "train" / "traj_0_to_255" / "2"));
  EXPECT_FALSE(fs::exists(o.out / "train" / "traj_0_to_255" / "1"));
  EXPECT_EQ(check_dataset(o.out, false).splits[0].sequences, 2);
}

// A conversion killed midway leaves whole sequences and a staging folder; the next run keeps the
// whole ones, writes the rest, and the result is the same as one uninterrupted run.
TEST(BairTfRecord, ARestartedConversionFinishesTheJob) {
  Source src = make_source("bair-restart-src");
  BairConvertOptions o;
  o.src = src.dir;
  o.out = testing::scratch_dir("bair-restart-out");
  o.validate = 1;
  convert_bair(o);
  // What a kill leaves: two sequences not yet renamed into place, a half-written staging copy.
  fs::remove_all(o.out / "train" / "traj_0_to_255" / "1");
  fs::remove_all(o.out / "test");
  fs::create_directories(o.out / ".staging-99999" / "0-1");
  write_file(o.out / ".staging-99999" / "0-1" / "0.png", "half");
  const BairConvertSummary again = convert_bair(o);
  EXPECT_EQ(again.converted, 2);
  EXPECT_EQ(again.already_there, 4);
  expect_sequence(o.out / "train" / "traj_0_to_255" / "1", src.train[1]);
  expect_sequence(o.out / "test" / "traj_0_to_255" / "0", src.test[0]);
  EXPECT_EQ(check_dataset(o.out, false).splits[0].sequences, 4);
  EXPECT_FALSE(fs::exists(o.out / ".staging-99999"));  // a dead run's leftovers are cleared
}

}  // namespace
}  // namespace foresight

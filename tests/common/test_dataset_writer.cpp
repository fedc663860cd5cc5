// write_synthetic_dataset: the on-disk layout, byte-identical output for a seed whatever the
// thread count, CSVs that agree with the world's convention, and option checking.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <opencv2/imgcodecs.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/util/atomic_file.hpp"
#include "common/world/dataset_writer.hpp"
#include "common/world/pushing_world.hpp"
#include "support/test_support.hpp"

namespace foresight {
namespace {
namespace fs = std::filesystem;

SyntheticDatasetOptions small_options(const fs::path& out) {
  SyntheticDatasetOptions o;
  o.out = out;
  o.train = 3;
  o.validate = 2;
  o.test = 1;
  o.frames = 5;
  o.threads = 2;
  return o;
}

// Every file under root, by relative path, with its bytes.
std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) {
      files[fs::relative(entry.path(), root).string()] = read_file(entry.path());
    }
  }
  return files;
}

std::vector<std::vector<double>> parse_csv(const fs::path& file) {
  std::vector<std::vector<double>> rows;
  std::istringstream in(read_file(file));
  for (std::string line; std::getline(in, line);) {
    std::vector<double> row;
    std::istringstream fields(line);
    for (std::string field; std::getline(fields, field, ',');) row.push_back(std::stod(field));
    rows.push_back(row);
  }
  return rows;
}

TEST(DatasetWriter, WritesTheBairLayout) {
  fs::path root = testing::scratch_dir("writer-layout");
  write_synthetic_dataset(small_options(root));

  std::set<std::string> top;
  for (const auto& e : fs::directory_iterator(root)) top.insert(e.path().filename().string());
  EXPECT_EQ(top, (std::set<std::string>{"train", "validate", "test"}));  // no staging left over

  const std::map<std::string, int> counts{{"train", 3}, {"validate", 2}, {"test", 1}};
  for (const auto& [split, count] : counts) {
    fs::path group = root / split / "traj_0_to_255";
    ASSERT_TRUE(fs::is_directory(group)) << group;
    EXPECT_EQ(std::distance(fs::directory_iterator(group), fs::directory_iterator()), count);
    for (int i = 0; i < count; ++i) {
      fs::path dir = group / std::to_string(i);
      for (int t = 0; t < 5; ++t) {
        cv::Mat frame =
            cv::imread((dir / (std::to_string(t) + ".png")).string(), cv::IMREAD_UNCHANGED);
        ASSERT_FALSE(frame.empty()) << dir << " frame " << t;
        EXPECT_EQ(frame.rows, 64);
        EXPECT_EQ(frame.cols, 64);
        EXPECT_EQ(frame.type(), CV_8UC3);
      }
      EXPECT_FALSE(fs::exists(dir / "5.png"));
      auto actions = parse_csv(dir / "actions.csv");
      auto positions = parse_csv(dir / "endeffector_positions.csv");
      ASSERT_EQ(actions.size(), 5u);
      ASSERT_EQ(positions.size(), 5u);
      for (const auto& row : actions) EXPECT_EQ(row.size(), 4u);
      for (const auto& row : positions) EXPECT_EQ(row.size(), 3u);
    }
  }
}

TEST(DatasetWriter, SameSeedSameBytesWhateverTheThreadCount) {
  SyntheticDatasetOptions o = small_options(testing::scratch_dir("writer-threads-1"));
  o.threads = 1;
  write_synthetic_dataset(o);
  auto reference = snapshot(o.out);
  EXPECT_EQ(reference.size(), 6u * (5 + 2));

  o.out = testing::scratch_dir("writer-threads-2");
  o.threads = 2;
  write_synthetic_dataset(o);
  EXPECT_TRUE(snapshot(o.out) == reference);

  // A second run over the same folder replaces every sequence with the same bytes.
  write_synthetic_dataset(o);
  EXPECT_TRUE(snapshot(o.out) == reference);
}

TEST(DatasetWriter, DifferentSeedsDiffer) {
  SyntheticDatasetOptions a = small_options(testing::scratch_dir("writer-seed-a"));
  SyntheticDatasetOptions b = small_options(testing::scratch_dir("writer-seed-b"));
  b.seed = a.seed + 1;
  a.train = b.train = 1;
  a.validate = b.validate = a.test = b.test = 0;
  write_synthetic_dataset(a);
  write_synthetic_dataset(b);
  fs::path seq = fs::path("train") / "traj_0_to_255" / "0";
  EXPECT_NE(read_file(a.out / seq / "0.png"), read_file(b.out / seq / "0.png"));
  EXPECT_NE(read_file(a.out / seq / "actions.csv"), read_file(b.out / seq / "actions.csv"));
}

TEST(DatasetWriter, CsvRowsFollowTheActionThenPositionConvention) {
  fs::path dir = testing::scratch_dir("writer-sequence");
  const uint64_t seed = synthetic_sequence_seed(9, 0, 4);
  write_synthetic_sequence(dir, seed, 12);
  auto actions = parse_csv(dir / "actions.csv");
  auto positions = parse_csv(dir / "endeffector_positions.csv");
  ASSERT_EQ(actions.size(), 12u);
  PushingWorld world(seed);
  for (size_t t = 0; t < actions.size(); ++t) {
    if (t > 0) world.step();
    for (int k = 0; k < 4; ++k) EXPECT_NEAR(actions[t][k], world.action()[k], 1e-6);
    for (int k = 0; k < 3; ++k) EXPECT_NEAR(positions[t][k], world.position()[k], 1e-6);
    if (t + 1 < actions.size()) {
      // Row t of actions takes the end effector from row t to row t + 1 of positions.
      for (int k = 0; k < 3; ++k) {
        EXPECT_NEAR(positions[t + 1][k], positions[t][k] + actions[t][k], 3e-6);
      }
    }
  }
}

// With actuation noise the CSVs record the command and where the arm really went: the frames
// and positions are the noisy world's, and positions no longer follow the actions exactly.
TEST(DatasetWriter, ActuationNoiseRecordsTheCommandAndWhereTheArmWent) {
  fs::path dir = testing::scratch_dir("writer-noisy");
  const uint64_t seed = synthetic_sequence_seed(9, 0, 4);
  write_synthetic_sequence(dir, seed, 12, 64, 0.3);
  auto actions = parse_csv(dir / "actions.csv");
  auto positions = parse_csv(dir / "endeffector_positions.csv");
  ASSERT_EQ(positions.size(), 12u);
  PushingWorld world(seed, 64, 0.3);
  double missed = 0;
  for (size_t t = 0; t < positions.size(); ++t) {
    if (t > 0) world.step();
    for (int k = 0; k < 4; ++k) EXPECT_NEAR(actions[t][k], world.action()[k], 1e-6);
    for (int k = 0; k < 3; ++k) EXPECT_NEAR(positions[t][k], world.position()[k], 1e-6);
    if (t + 1 < positions.size()) {
      missed = std::max(missed, std::abs(positions[t + 1][0] - positions[t][0] - actions[t][0]));
    }
  }
  EXPECT_GT(missed, 1e-3);  // a millimetre: far above the CSV's rounding
  SyntheticDatasetOptions o = small_options(testing::scratch_dir("writer-noise-range"));
  o.actuation_noise = 2;
  EXPECT_THROW(write_synthetic_dataset(o), std::invalid_argument);
}

TEST(DatasetWriter, GroupsHold256SequencesNamedLikeBair) {
  EXPECT_EQ(synthetic_group_name(0), "traj_0_to_255");
  EXPECT_EQ(synthetic_group_name(255), "traj_0_to_255");
  EXPECT_EQ(synthetic_group_name(256), "traj_256_to_511");
  EXPECT_EQ(synthetic_group_name(1000), "traj_768_to_1023");
}

TEST(DatasetWriter, SequenceSeedsAreDistinctPerSplitAndIndex) {
  std::set<uint64_t> seeds;
  for (int split = 0; split < 3; ++split) {
    for (int i = 0; i < 100; ++i) seeds.insert(synthetic_sequence_seed(1, split, i));
  }
  EXPECT_EQ(seeds.size(), 300u);
}

TEST(DatasetWriter, RejectsBadOptions) {
  SyntheticDatasetOptions o = small_options(testing::scratch_dir("writer-bad"));
  o.frames = 0;
  EXPECT_THROW(write_synthetic_dataset(o), std::invalid_argument);
  o = small_options(testing::scratch_dir("writer-bad"));
  o.train = -1;
  EXPECT_THROW(write_synthetic_dataset(o), std::invalid_argument);
  o = small_options("");
  EXPECT_THROW(write_synthetic_dataset(o), std::invalid_argument);
}

}  // namespace
}  // namespace foresight

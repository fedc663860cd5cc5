// Batch loader: epochs visit every sequence exactly once, batches are time-major and
// reproducible whatever the worker count, bad data is skipped or rethrown, shutdown is prompt.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <set>

#include "common/dataset/batch_loader.hpp"
#include "common/dataset/dataset_format.hpp"
#include "common/dataset/sequence_reader.hpp"
#include "support/test_support.hpp"

namespace foresight {
namespace {
namespace fs = std::filesystem;

constexpr int kSize = 16;  // small frames keep the fixture fast

// Sequence i, frame t: red = 10 i, green = 8 t; action row t = (i, t, 0, 0), position (t, 0, 0).
// A batch thus tells which sequence and which frames it holds.
void write_sequence(const fs::path& dir, int i, int frames) {
  fs::create_directories(dir);
  for (int t = 0; t < frames; ++t) {
    cv::Mat img(kSize, kSize, CV_8UC3, cv::Scalar(77, 8 * t, 10 * i));
    ASSERT_TRUE(cv::imwrite((dir / (std::to_string(t) + ".png")).string(), img));
  }
  std::ofstream a(dir / kActionsFile), p(dir / kPositionsFile);
  for (int t = 0; t < frames; ++t) {
    a << i << ',' << t << ",0,0\n";
    p << t << ",0,0\n";
  }
}

std::vector<fs::path> make_dataset(const std::string& tag, int count, int frames = 12) {
  fs::path root = testing::scratch_dir(tag);
  for (int i = 0; i < count; ++i)
    write_sequence(root / "test" / "g" / std::to_string(i), i, frames);
  return list_sequences(root, "test");
}

LoaderOptions options(int batch, int len, bool shuffle, int workers = 3) {
  LoaderOptions o;
  o.batch_size = batch;
  o.seq_len = len;
  o.image_size = kSize;
  o.shuffle = shuffle;
  o.drop_last = false;
  o.workers = workers;
  o.prefetch = 2;
  o.seed = 42;
  return o;
}

struct Epoch {
  std::vector<std::string> names;
  std::vector<int> starts;  // first frame index of each window
  std::vector<int64_t> batch_sizes;
};

// Reads one epoch, checking layout and that frames and conditions describe the same window.
Epoch read_epoch(BatchLoader& loader, int len) {
  Epoch e;
  while (auto batch = loader.next()) {
    const int64_t b = batch->frames.size(1);
    EXPECT_EQ(batch->frames.sizes(), (at::IntArrayRef{len, b, 3, kSize, kSize}));
    EXPECT_EQ(batch->conditions.sizes(), (at::IntArrayRef{len, b, kConditionDim}));
    EXPECT_EQ(static_cast<int64_t>(batch->names.size()), b);
    e.batch_sizes.push_back(b);
    for (int64_t j = 0; j < b; ++j) {
      const int seq = static_cast<int>(batch->conditions[0][j][0].item<float>());
      const int start = static_cast<int>(batch->conditions[0][j][1].item<float>());
      EXPECT_EQ(batch->names[j], "g/" + std::to_string(seq));
      for (int t = 0; t < len; ++t) {
        EXPECT_EQ(batch->conditions[t][j][1].item<float>(), start + t);
        EXPECT_FLOAT_EQ(batch->frames[t][j][0][3][3].item<float>(), 10 * seq / 255.f);
        EXPECT_FLOAT_EQ(batch->frames[t][j][1][3][3].item<float>(), 8 * (start + t) / 255.f);
        EXPECT_FLOAT_EQ(batch->frames[t][j][2][3][3].item<float>(), 77 / 255.f);
      }
      e.names.push_back(batch->names[j]);
      e.starts.push_back(start);
    }
  }
  return e;
}

TEST(BatchLoaderTest, EvalWalksInOrderFromFrameZero) {
  auto seqs = make_dataset("loader-eval", 7);
  BatchLoader loader(seqs, options(3, 12, false));
  EXPECT_EQ(loader.batches_per_epoch(), 3);
  for (int epoch = 0; epoch < 2; ++epoch) {
    Epoch e = read_epoch(loader, 12);
    EXPECT_EQ(e.batch_sizes, (std::vector<int64_t>{3, 3, 1}));
    std::vector<std::string> expected;
    for (int i = 0; i < 7; ++i) expected.push_back("g/" + std::to_string(i));
    EXPECT_EQ(e.names, expected);
    EXPECT_EQ(e.starts, std::vector<int>(7, 0));
  }
}

TEST(BatchLoaderTest, ShuffledEpochsVisitEverySequenceOnceInNewOrders) {
  auto seqs = make_dataset("loader-shuffle", 10);
  BatchLoader loader(seqs, options(4, 4, true, 4));
  std::vector<std::vector<std::string>> orders;
  std::set<int> starts;
  for (int epoch = 0; epoch < 3; ++epoch) {
    Epoch e = read_epoch(loader, 4);
    EXPECT_EQ(e.batch_sizes, (std::vector<int64_t>{4, 4, 2}));
    EXPECT_EQ(std::set<std::string>(e.names.begin(), e.names.end()).size(), 10u);
    for (int s : e.starts) {
      EXPECT_GE(s, 0);
      EXPECT_LE(s, 12 - 4);
      starts.insert(s);
    }
    orders.push_back(e.names);
  }
  EXPECT_NE(orders[0], orders[1]);
  EXPECT_NE(orders[1], orders[2]);
  EXPECT_GT(starts.size(), 3u) << "window starts should vary";
}

TEST(BatchLoaderTest, DropLastDropsOnlyThePartialBatch) {
  auto seqs = make_dataset("loader-drop", 7);
  LoaderOptions o = options(3, 2, true);
  o.drop_last = true;
  BatchLoader loader(seqs, o);
  EXPECT_EQ(loader.batches_per_epoch(), 2);
  Epoch e = read_epoch(loader, 2);
  EXPECT_EQ(e.batch_sizes, (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(std::set<std::string>(e.names.begin(), e.names.end()).size(), 6u);
  o.batch_size = 8;
  EXPECT_THROW(BatchLoader(seqs, o), DatasetError);
}

TEST(BatchLoaderTest, SameSeedSameBatchesWhateverTheWorkerCount) {
  auto seqs = make_dataset("loader-determinism", 9);
  std::vector<Epoch> runs;
  for (int workers : {1, 5}) {
    BatchLoader loader(seqs, options(2, 3, true, workers));
    Epoch a = read_epoch(loader, 3), b = read_epoch(loader, 3);
    a.names.insert(a.names.end(), b.names.begin(), b.names.end());
    a.starts.insert(a.starts.end(), b.starts.begin(), b.starts.end());
    runs.push_back(a);
  }
  EXPECT_EQ(runs[0].names, runs[1].names);
  EXPECT_EQ(runs[0].starts, runs[1].starts);
}

// A loader started at batch k (a resumed run) hands out what a loader from the start hands out
// from its k-th batch on: the same sequences, windows and epoch ends, across an epoch boundary.
TEST(BatchLoaderTest, StartBatchContinuesTheSameStream) {
  auto seqs = make_dataset("loader-start", 9);  // batches of 2, drop_last: 4 per epoch
  auto stream = [&](int64_t start, int batches) {
    LoaderOptions o = options(2, 3, true, 2);
    o.drop_last = true;
    o.start_batch = start;
    BatchLoader loader(seqs, o);
    std::vector<std::string> out;  // "name@window start" per sequence, "|" per epoch end
    for (int taken = 0; taken < batches;) {
      auto b = loader.next();
      if (!b) {
        out.push_back("|");
        continue;
      }
      ++taken;
      for (int64_t j = 0; j < b->frames.size(1); ++j) {
        out.push_back(b->names[j] + "@" +
                      std::to_string(static_cast<int>(b->conditions[0][j][1].item<float>())));
      }
    }
    return out;
  };
  const auto full = stream(0, 10);
  auto without_ends = [](std::vector<std::string> v) {
    v.erase(std::remove(v.begin(), v.end(), "|"), v.end());
    return v;
  };
  const auto all = without_ends(full);
  for (int64_t k : {1, 3, 4, 6}) {
    const auto resumed = without_ends(stream(k, 4));
    ASSERT_LE(resumed.size(), all.size() - 2 * k);
    EXPECT_TRUE(std::equal(resumed.begin(), resumed.end(), all.begin() + 2 * k)) << "start " << k;
  }
}

TEST(BatchLoaderTest, SkipBadCountsAndKeepsTheRest) {
  auto seqs = make_dataset("loader-skip", 7);
  fs::remove(seqs[2] / "5.png");
  std::ofstream(seqs[5] / kActionsFile) << "1,2,3\n";
  LoaderOptions o = options(2, 12, true);
  o.skip_bad = true;
  BatchLoader loader(seqs, o);
  for (int epoch = 0; epoch < 2; ++epoch) {
    Epoch e = read_epoch(loader, 12);
    EXPECT_EQ(e.batch_sizes, (std::vector<int64_t>{2, 2, 1}));
    std::set<std::string> names(e.names.begin(), e.names.end());
    EXPECT_EQ(names.size(), 5u);
    EXPECT_EQ(names.count("g/2") + names.count("g/5"), 0u);
  }
  EXPECT_EQ(loader.skipped(), 2);
}

TEST(BatchLoaderTest, AllBadWithSkipBadIsAnError) {
  auto seqs = make_dataset("loader-allbad", 2);
  for (auto& s : seqs) fs::remove(s / kPositionsFile);
  LoaderOptions o = options(1, 2, false);
  o.skip_bad = true;
  BatchLoader loader(seqs, o);
  EXPECT_THROW(loader.next(), DatasetError);
}

TEST(BatchLoaderTest, WorkerErrorIsRethrownInOrderAndAgain) {
  auto seqs = make_dataset("loader-error", 6);
  std::ofstream(seqs[3] / kPositionsFile) << "nan,0,0\n";
  BatchLoader loader(seqs, options(2, 12, false, 4));
  EXPECT_EQ(loader.next()->names, (std::vector<std::string>{"g/0", "g/1"}));
  try {
    loader.next();
    ADD_FAILURE() << "no error";
  } catch (const DatasetError& e) {
    EXPECT_NE(std::string(e.what()).find("endeffector_positions.csv:1:"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(loader.next(), DatasetError);
}

TEST(BatchLoaderTest, DestructorMidEpochReturnsPromptly) {
  auto seqs = make_dataset("loader-stop", 24);
  auto begin = std::chrono::steady_clock::now();
  {
    BatchLoader loader(seqs, options(2, 12, true, 4));
    ASSERT_TRUE(loader.next().has_value());
  }
  { BatchLoader never_read(seqs, options(2, 12, true, 4)); }
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(3));
}

TEST(BatchLoaderTest, RejectsBadOptions) {
  auto seqs = make_dataset("loader-options", 2);
  LoaderOptions o = options(1, 2, false);
  o.workers = 0;
  EXPECT_THROW(BatchLoader(seqs, o), std::invalid_argument);
  EXPECT_THROW(BatchLoader({}, options(1, 2, false)), DatasetError);
}

}  // namespace
}  // namespace foresight

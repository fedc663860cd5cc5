// Reader and dataset checker: good data loads exactly, every kind of bad data fails with a
// DatasetError naming the file (and CSV line), and the format variations real converters
// produce are accepted.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "common/dataset/dataset_check.hpp"
#include "common/dataset/dataset_format.hpp"
#include "common/dataset/sequence_reader.hpp"
#include "support/test_support.hpp"

namespace foresight {
namespace {
namespace fs = std::filesystem;

// Deterministic "random" 8-bit value of channel c (0 = R) of pixel (y, x) of frame t.
int pixel(int seq, int t, int y, int x, int c) {
  auto u = [](int v) { return static_cast<uint32_t>(v); };  // unsigned: wraps, never UB
  uint32_t h =
      u(seq) * 73856093u ^ u(t) * 19349663u ^ u(y) * 83492791u ^ u(x) * 2654435761u ^ u(c) * 40503u;
  h ^= h >> 13;
  h *= 0x5bd1e995;
  h ^= h >> 15;
  return static_cast<int>(h & 255);
}

float action(int seq, int t, int k) { return seq + 0.5f * t - 0.25f * k; }
float position(int seq, int t, int k) { return 0.125f * t + seq - k; }

void write_frame(const fs::path& file, int seq, int t, int size = kImageSize) {
  cv::Mat bgr(size, size, CV_8UC3);
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      bgr.at<cv::Vec3b>(y, x) =
          cv::Vec3b(pixel(seq, t, y, x, 2), pixel(seq, t, y, x, 1), pixel(seq, t, y, x, 0));
    }
  }
  ASSERT_TRUE(cv::imwrite(file.string(), bgr));
}

void write_text(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
}

// dir/0.png .. (frames-1).png and both CSVs with `rows` rows (default: one per frame).
fs::path write_sequence(const fs::path& dir, int seq, int frames, int rows = -1) {
  fs::create_directories(dir);
  for (int t = 0; t < frames; ++t) write_frame(dir / (std::to_string(t) + ".png"), seq, t);
  if (rows < 0) rows = frames;
  std::ofstream a(dir / kActionsFile), p(dir / kPositionsFile);
  for (int t = 0; t < rows; ++t) {
    a << action(seq, t, 0) << ',' << action(seq, t, 1) << ',' << action(seq, t, 2) << ','
      << action(seq, t, 3) << '\n';
    p << position(seq, t, 0) << ',' << position(seq, t, 1) << ',' << position(seq, t, 2) << '\n';
  }
  return dir;
}

// Runs f, expects a DatasetError whose message contains every one of `parts`.
void expect_dataset_error(const std::function<void()>& f, std::vector<std::string> parts) {
  try {
    f();
    ADD_FAILURE() << "no DatasetError";
  } catch (const DatasetError& e) {
    for (const auto& part : parts) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
          << "'" << e.what() << "' lacks '" << part << "'";
    }
  }
}

class SequenceReaderTest : public ::testing::Test {
 protected:
  fs::path root = testing::scratch_dir("reader");
  fs::path seq = write_sequence(root / "test" / "grp" / "7", 7, 12);
  fs::path actions = seq / kActionsFile;
  fs::path positions = seq / kPositionsFile;
  void load() { load_window(seq, 0, 12); }
};

TEST_F(SequenceReaderTest, LoadsWindowWithExactRgbValuesAndConditions) {
  Sequence s = load_window(seq, 3, 5);
  EXPECT_EQ(s.name, "grp/7");
  ASSERT_EQ(s.frames.sizes(), (at::IntArrayRef{5, 3, kImageSize, kImageSize}));
  ASSERT_EQ(s.conditions.sizes(), (at::IntArrayRef{5, kConditionDim}));
  EXPECT_EQ(s.frames.scalar_type(), at::kFloat);
  EXPECT_GE(s.frames.min().item<float>(), 0.f);
  EXPECT_LE(s.frames.max().item<float>(), 1.f);
  auto f = s.frames.accessor<float, 4>();
  for (int t = 0; t < 5; ++t)
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < kImageSize; y += 7)
        for (int x = 0; x < kImageSize; x += 5)
          ASSERT_FLOAT_EQ(f[t][c][y][x], pixel(7, 3 + t, y, x, c) / 255.f) << t << c << y << x;
  auto cond = s.conditions.accessor<float, 2>();
  for (int t = 0; t < 5; ++t) {
    for (int k = 0; k < kActionDim; ++k) EXPECT_FLOAT_EQ(cond[t][k], action(7, 3 + t, k));
    for (int k = 0; k < kPositionDim; ++k)
      EXPECT_FLOAT_EQ(cond[t][kActionDim + k], position(7, 3 + t, k));
  }
  EXPECT_EQ(count_frames(seq), 12);
}

TEST_F(SequenceReaderTest, AcceptsOpaqueRgbaAnd16BitFrames) {
  cv::Mat rgba(kImageSize, kImageSize, CV_8UC4, cv::Scalar(10, 20, 30, 255));
  ASSERT_TRUE(cv::imwrite((seq / "0.png").string(), rgba));
  cv::Mat deep(kImageSize, kImageSize, CV_16UC3, cv::Scalar(0, 65535, 13107));
  ASSERT_TRUE(cv::imwrite((seq / "1.png").string(), deep));
  Sequence s = load_window(seq, 0, 2);
  EXPECT_FLOAT_EQ(s.frames[0][0][5][5].item<float>(), 30 / 255.f);  // R
  EXPECT_FLOAT_EQ(s.frames[0][2][5][5].item<float>(), 10 / 255.f);  // B
  EXPECT_FLOAT_EQ(s.frames[1][0][0][0].item<float>(), 0.2f);
  EXPECT_FLOAT_EQ(s.frames[1][1][0][0].item<float>(), 1.f);
  EXPECT_FLOAT_EQ(s.frames[1][2][0][0].item<float>(), 0.f);
}

TEST_F(SequenceReaderTest, MissingFrameAtTheEndNamesIt) {
  fs::remove(seq / "11.png");
  expect_dataset_error([&] { load(); }, {"11.png", "missing frame"});
  EXPECT_NO_THROW(load_window(seq, 0, 11));  // 12 CSV rows for 11 frames: extra row ignored
}

TEST_F(SequenceReaderTest, GapInFrameNumberingFailsWhateverTheWindow) {
  fs::remove(seq / "5.png");
  expect_dataset_error([&] { load_window(seq, 0, 3); }, {"5.png", "missing frame"});
  expect_dataset_error([&] { count_frames(seq); }, {"5.png"});
}

TEST_F(SequenceReaderTest, EmptyFolderFailsOnFrameZero) {
  fs::path empty = root / "test" / "grp" / "8";
  fs::create_directories(empty);
  EXPECT_EQ(count_frames(empty), 0);
  expect_dataset_error([&] { load_window(empty, 0, 1); }, {"0.png", "missing frame"});
}

TEST_F(SequenceReaderTest, MissingCsvNamesIt) {
  fs::remove(actions);
  expect_dataset_error([&] { load(); }, {"actions.csv", "missing"});
}

TEST_F(SequenceReaderTest, WrongColumnCountNamesFileAndLine) {
  std::string text;
  for (int t = 0; t < 12; ++t) text += t == 4 ? "1,2,3\n" : "1,2,3,4\n";
  write_text(actions, text);
  expect_dataset_error([&] { load(); }, {"actions.csv:5:", "expected 4 numbers, found 3"});
}

TEST_F(SequenceReaderTest, TooFewRowsNamesFileAndLastLine) {
  std::string text;
  for (int t = 0; t < 10; ++t) text += "1,2,3\n";
  write_text(positions, text);
  expect_dataset_error([&] { load_window(seq, 0, 2); },
                       {"endeffector_positions.csv:10:", "too few rows", "need 12"});
}

TEST_F(SequenceReaderTest, NonFiniteAndNonNumbersNameFileAndLine) {
  for (const std::string bad : {"nan", "inf", "-Infinity", "1e999", "abc", ""}) {
    std::string text;
    for (int t = 0; t < 12; ++t) text += t == 2 ? "1,2," + bad + ",4\n" : "1,2,3,4\n";
    write_text(actions, text);
    expect_dataset_error([&] { load(); }, {"actions.csv:3:", "column 3"});
  }
}

TEST_F(SequenceReaderTest, WrongImageSizeNamesFileAndSizes) {
  write_frame(seq / "2.png", 7, 2, 32);
  expect_dataset_error([&] { load(); }, {"2.png", "32x32", "expected 64x64"});
  EXPECT_NO_THROW(load_window(seq, 3, 9));
}

TEST_F(SequenceReaderTest, UndecodableFramesNameTheFile) {
  write_text(seq / "4.png", "this is not a png");
  expect_dataset_error([&] { load(); }, {"4.png", "decodable"});
  std::string png = [&] {
    std::ifstream in(seq / "3.png", std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }();
  write_text(seq / "4.png", png.substr(0, png.size() / 2));  // truncated
  expect_dataset_error([&] { load(); }, {"4.png"});
}

TEST_F(SequenceReaderTest, GrayscaleAndTransparentFramesAreRejected) {
  ASSERT_TRUE(cv::imwrite((seq / "1.png").string(), cv::Mat(64, 64, CV_8UC1, cv::Scalar(9))));
  expect_dataset_error([&] { load(); }, {"1.png", "grayscale"});
  ASSERT_TRUE(
      cv::imwrite((seq / "1.png").string(), cv::Mat(64, 64, CV_8UC4, cv::Scalar(1, 2, 3, 128))));
  expect_dataset_error([&] { load(); }, {"1.png", "transparent"});
}

TEST_F(SequenceReaderTest, WindowOutsideTheSequenceIsAnError) {
  expect_dataset_error([&] { load_window(seq, 5, 8); }, {"12.png", "missing frame"});
  EXPECT_THROW(load_window(seq, -1, 2), std::invalid_argument);
}

TEST(CsvTest, AcceptsWhatRealConvertersWrite) {
  fs::path dir = testing::scratch_dir("csv");
  // BOM, header, CRLF, padding, signs, exponents, blank line, no final newline, extra rows.
  write_text(dir / "a.csv",
             "\xEF\xBB\xBF"
             "dx, dy ,dz,gripper\r\n"
             " 1e-3, -0 ,+1.5,2\r\n"
             "\r\n"
             "-2.5E+2,\t.5,3.,\"4\"\r\n"
             "0,0,0,0");
  auto rows = read_csv_rows(dir / "a.csv", 4, 2);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (std::vector<float>{1e-3f, -0.f, 1.5f, 2.f}));
  EXPECT_TRUE(std::signbit(rows[0][1]));
  EXPECT_EQ(rows[1], (std::vector<float>{-250.f, 0.5f, 3.f, 4.f}));

  write_text(dir / "b.csv", "1;2;3\n4;5;6\n");  // semicolons
  EXPECT_EQ(read_csv_rows(dir / "b.csv", 3, 2)[1], (std::vector<float>{4, 5, 6}));
  write_text(dir / "c.csv", "1 2\t3\r4  5 6\r");  // whitespace, old-Mac CR line ends
  EXPECT_EQ(read_csv_rows(dir / "c.csv", 3, 2)[1], (std::vector<float>{4, 5, 6}));
  write_text(dir / "d.csv", "0,1,2\n7,8,9\n");  // pandas' default header
  auto d = read_csv_rows(dir / "d.csv", 3, 1);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0], (std::vector<float>{7, 8, 9}));
  write_text(dir / "e.csv", "x,y,z\n1,2,3\nx,y,z\n");  // a header is only a header on top
  expect_dataset_error([&] { read_csv_rows(dir / "e.csv", 3, 1); }, {"e.csv:3:", "not a number"});
  write_text(dir / "f.csv", "");
  expect_dataset_error([&] { read_csv_rows(dir / "f.csv", 3, 1); }, {"f.csv:1:", "too few rows"});
}

TEST(ListSequencesTest, SortsNaturallyAndIgnoresHiddenAndFiles) {
  fs::path root = testing::scratch_dir("list");
  for (std::string g : {"traj_256_to_511", "traj_0_to_255", "traj_1024_to_1279"})
    fs::create_directories(root / "train" / g / "0");
  for (std::string s : {"10", "9", "1", "100", "2"})
    fs::create_directories(root / "train" / "traj_0_to_255" / s);
  fs::create_directories(root / "train" / "traj_0_to_255" / ".ipynb_checkpoints");
  write_text(root / "train" / "traj_0_to_255" / "notes.txt", "x");
  std::vector<std::string> names;
  for (const auto& p : list_sequences(root, "train"))
    names.push_back(p.parent_path().filename().string() + "/" + p.filename().string());
  EXPECT_EQ(names,
            (std::vector<std::string>{"traj_0_to_255/0", "traj_0_to_255/1", "traj_0_to_255/2",
                                      "traj_0_to_255/9", "traj_0_to_255/10", "traj_0_to_255/100",
                                      "traj_256_to_511/0", "traj_1024_to_1279/0"}));
  expect_dataset_error([&] { list_sequences(root, "test"); }, {"test", "does not exist"});
  fs::create_directories(root / "validate" / "empty_group");
  expect_dataset_error([&] { list_sequences(root, "validate"); }, {"validate", "no sequence"});
}

// Frame t of every pixel = (100 + 5t) / 255, so holding frame 1 still has error 5k/255 on frame
// 1 + k.
void write_ramp_sequence(const fs::path& dir, int frames) {
  write_sequence(dir, 0, frames);
  for (int t = 0; t < frames; ++t) {
    cv::Mat img(kImageSize, kImageSize, CV_8UC3, cv::Scalar::all(100 + 5 * t));
    ASSERT_TRUE(cv::imwrite((dir / (std::to_string(t) + ".png")).string(), img));
  }
}

TEST(DatasetCheckTest, CountsSplitsAndMeasuresTheCopyLastBaseline) {
  fs::path root = testing::scratch_dir("check");
  write_ramp_sequence(root / "test" / "g" / "0", 12);
  write_ramp_sequence(root / "test" / "g" / "1", 14);
  write_sequence(root / "train" / "g" / "0", 1, 8);  // too short for the baseline
  DatasetReport r = check_dataset(root, false, 2);
  ASSERT_EQ(r.splits.size(), 2u);
  const SplitReport& train = r.splits[0];
  const SplitReport& test = r.splits[1];
  EXPECT_EQ(train.split, "train");
  EXPECT_EQ(train.sequences, 1);
  EXPECT_EQ(train.min_frames, 8);
  EXPECT_EQ(train.baseline_sequences, 0);
  EXPECT_TRUE(std::isnan(train.copy_last_psnr));
  EXPECT_EQ(test.split, "test");
  EXPECT_EQ(test.sequences, 2);
  EXPECT_EQ(test.bad, 0);
  EXPECT_EQ(test.min_frames, 12);
  EXPECT_EQ(test.max_frames, 14);
  EXPECT_EQ(test.baseline_sequences, 2);
  auto step_psnr = [](int k) { return 20.0 * std::log10(255.0 / (5.0 * k)); };
  double expected = 0;
  for (int k = 1; k <= kBaselineFuture; ++k) expected += step_psnr(k) / kBaselineFuture;  // 21.03
  EXPECT_NEAR(test.copy_last_psnr, expected, 1e-5);  // frames are float32
  ASSERT_EQ(test.copy_last_psnr_per_step.size(), static_cast<size_t>(kBaselineFuture));
  for (int s = 0; s < kBaselineFuture; ++s) {
    EXPECT_NEAR(test.copy_last_psnr_per_step[s], step_psnr(s + 1), 1e-5) << s;
  }
  std::string json = dataset_report_json(r);
  EXPECT_NE(json.find("\"copy_last_psnr\": null"), std::string::npos) << json;
  EXPECT_NE(json.find("21.03"), std::string::npos) << json;
}

TEST(DatasetCheckTest, BadSequenceThrowsOrIsCountedWithSkipBad) {
  fs::path root = testing::scratch_dir("check-bad");
  for (int i = 0; i < 5; ++i) write_sequence(root / "test" / "g" / std::to_string(i), i, 12);
  fs::remove(root / "test" / "g" / "3" / "20.png");  // harmless: does not exist
  fs::remove(root / "test" / "g" / "3" / "9.png");   // the checker reads every frame
  write_text(root / "test" / "g" / "4" / kActionsFile, "1,2,3,4\n");
  expect_dataset_error([&] { check_dataset(root, false, 3); }, {"3", "9.png", "missing frame"});
  DatasetReport r = check_dataset(root, true, 3);
  ASSERT_EQ(r.splits.size(), 1u);
  EXPECT_EQ(r.splits[0].sequences, 5);
  EXPECT_EQ(r.splits[0].bad, 2);
  EXPECT_EQ(r.splits[0].baseline_sequences, 3);
  expect_dataset_error([&] { check_dataset(root / "nothing", false); }, {"nothing"});
}

}  // namespace
}  // namespace foresight

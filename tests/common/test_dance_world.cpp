// The dance world and its dataset writer: frame and label sizes, determinism per seed (also
// whatever the thread count), distinct dancers per seed, labels that are skeletons on black.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <opencv2/core.hpp>

#include "common/dataset/dataset_check.hpp"
#include "common/dataset/pose_clip_reader.hpp"
#include "common/dataset/sequence_reader.hpp"
#include "common/util/atomic_file.hpp"
#include "common/world/dance_dataset_writer.hpp"
#include "common/world/dance_world.hpp"
#include "support/test_support.hpp"

namespace foresight {
namespace {
namespace fs = std::filesystem;

std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) files[fs::relative(e.path(), root).string()] = read_file(e.path());
  }
  return files;
}

bool same(const cv::Mat& a, const cv::Mat& b) { return cv::norm(a, b, cv::NORM_INF) == 0; }

TEST(DanceWorld, FramesAndLabelsAre32x64Rgb) {
  DanceWorld w(3);
  EXPECT_EQ(w.render_frame().size(), cv::Size(64, 32));
  EXPECT_EQ(w.render_frame().type(), CV_8UC3);
  EXPECT_EQ(w.render_label().size(), cv::Size(64, 32));
  EXPECT_EQ(w.render_label().type(), CV_8UC3);
}

TEST(DanceWorld, SameSeedSameImages) {
  DanceWorld a(5), b(5);
  for (int t = 0; t < 40; ++t) {
    ASSERT_TRUE(same(a.render_frame(), b.render_frame())) << t;
    ASSERT_TRUE(same(a.render_label(), b.render_label())) << t;
    a.step();
    b.step();
  }
}

TEST(DanceWorld, DifferentSeedsGiveDifferentDancers) {
  DanceWorld a(1), b(2);
  EXPECT_FALSE(same(a.render_frame(), b.render_frame()));
  EXPECT_NE(a.look().shirt, b.look().shirt);
}

TEST(DanceWorld, TheDancerMovesAndTheLabelFollows) {
  DanceWorld w(8);
  const cv::Mat f0 = w.render_frame(), l0 = w.render_label();
  for (int t = 0; t < 6; ++t) w.step();
  EXPECT_GT(cv::norm(f0, w.render_frame(), cv::NORM_L1), 0);
  EXPECT_GT(cv::norm(l0, w.render_label(), cv::NORM_L1), 0);
}

TEST(DanceWorld, LabelIsASkeletonOnBlack) {
  DanceWorld w(4);
  cv::Mat label = w.render_label();
  int lit = 0;
  for (int y = 0; y < label.rows; ++y) {
    for (int x = 0; x < label.cols; ++x) lit += label.at<cv::Vec3b>(y, x) != cv::Vec3b(0, 0, 0);
  }
  // Thin bones: some pixels, but mostly black background.
  EXPECT_GT(lit, 30);
  EXPECT_LT(lit, label.rows * label.cols / 3);
}

TEST(DanceWorld, JointsStayInsideTheFrame) {
  DanceWorld w(11);
  for (int t = 0; t < 630; ++t, w.step()) {
    for (const auto& j : w.pose().joints) {
      ASSERT_GE(j.x, -1.0) << t;
      ASSERT_LE(j.x, kDanceWidth + 1.0) << t;
      ASSERT_LE(j.y, kDanceHeight) << t;
    }
  }
}

TEST(DanceDatasetWriter, LayoutAndSameBytesWhateverTheThreadCount) {
  DanceDatasetOptions o;
  o.out = testing::scratch_dir("dance-1");
  o.train_frames = 25;
  o.val_frames = 7;
  o.dancer_frames = 10;  // train: dancers of 10 + 10 + 5 frames, numbered on
  o.threads = 1;
  write_dance_dataset(o);
  PoseSplit train = open_pose_split(o.out, "train");
  ASSERT_EQ(train.size(), 25);
  EXPECT_EQ(train.names.front(), "frame0.png");
  EXPECT_EQ(train.names.back(), "frame24.png");
  EXPECT_TRUE(fs::exists(o.out / "train" / "train_label" / "frame24.png"));
  EXPECT_EQ(open_pose_split(o.out, "val").size(), 7);
  auto reference = snapshot(o.out);
  EXPECT_EQ(reference.size(), 2u * 32);

  o.out = testing::scratch_dir("dance-2");
  o.threads = 2;
  write_dance_dataset(o);
  EXPECT_TRUE(snapshot(o.out) == reference);
  write_dance_dataset(o);  // replacing the splits in place gives the same bytes
  EXPECT_TRUE(snapshot(o.out) == reference);
}

// `foresight data check` accepts what `data generate --world dance` writes: every frame and pose
// image is read, the copy-last baseline is measured over 12-frame windows, a broken file fails.
TEST(DanceDatasetWriter, DataCheckAcceptsThePoseLayout) {
  DanceDatasetOptions o;
  o.out = testing::scratch_dir("dance-check");
  o.train_frames = 30;
  o.val_frames = 12;
  o.threads = 1;
  write_dance_dataset(o);
  DatasetReport r = check_dataset(o.out, false);
  ASSERT_EQ(r.splits.size(), 2u);
  EXPECT_EQ(r.splits[0].split, "train");
  EXPECT_EQ(r.splits[0].min_frames, 30);
  EXPECT_EQ(r.splits[0].baseline_sequences, 2);  // frames 0-11 and 12-23
  EXPECT_EQ(r.splits[1].baseline_sequences, 1);
  EXPECT_GT(r.splits[0].copy_last_psnr, 10.0);
  EXPECT_LT(r.splits[0].copy_last_psnr, 60.0);  // the dancer moves
  write_file_atomically(o.out / "val" / "val_label" / "frame5.png", "not a png");
  EXPECT_THROW(check_dataset(o.out, false), DatasetError);
}

TEST(DanceDatasetWriter, EachDancerIsANewScene) {
  DanceDatasetOptions o;
  o.out = testing::scratch_dir("dance-cut");
  o.train_frames = 4;
  o.val_frames = 4;
  o.dancer_frames = 2;
  o.threads = 1;
  write_dance_dataset(o);
  PoseClip c = load_pose_clip(open_pose_split(o.out, "train"));
  PoseClip v = load_pose_clip(open_pose_split(o.out, "val"));
  auto change = [](const PoseClip& clip, int t) {
    return (clip.frames[t] - clip.frames[t - 1]).abs().mean().item<double>();
  };
  EXPECT_GT(change(c, 2), 4 * change(c, 1));  // frame 2 is the next dancer's first frame
  // The validation video is one dancer whatever --dancer-frames says: no cut at frame 2.
  EXPECT_LT(change(v, 2), change(c, 2) / 4);

  o.out = testing::scratch_dir("dance-cut-none");
  o.val_frames = 0;
  write_dance_dataset(o);
  EXPECT_FALSE(fs::exists(o.out / "val"));
}

TEST(DanceDatasetWriter, ConfigurableFrameSize) {
  DanceDatasetOptions o;
  o.out = testing::scratch_dir("dance-size");
  o.train_frames = 2;
  o.val_frames = 0;
  o.height = 64;
  o.width = 32;
  write_dance_dataset(o);
  PoseSplit s = open_pose_split(o.out, "train");
  EXPECT_EQ(load_pose_clip(s, 0, -1, 64, 32).frames.sizes(), (std::vector<int64_t>{2, 3, 64, 32}));
  EXPECT_THROW(load_pose_clip(s), DatasetError);  // 32x64 expected by default: never resized
}

TEST(DanceDatasetWriter, RejectsBadOptions) {
  DanceDatasetOptions o;
  EXPECT_THROW(write_dance_dataset(o), std::invalid_argument);  // no folder
  o.out = testing::scratch_dir("dance-bad");
  o.train_frames = -1;
  EXPECT_THROW(write_dance_dataset(o), std::invalid_argument);
  o.train_frames = 4;
  o.dancer_frames = 1;
  EXPECT_THROW(write_dance_dataset(o), std::invalid_argument);
}

}  // namespace
}  // namespace foresight

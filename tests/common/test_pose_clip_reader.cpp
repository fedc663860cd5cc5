// The pose reader on the seed's layout: what the dance writer produces loads as [T,3,32,64]
// frames and labels in the order of N, the usual variations of real folders are accepted, and
// each kind of broken split fails with one message naming the file.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>

#include "common/dataset/pose_clip_reader.hpp"
#include "common/world/dance_dataset_writer.hpp"
#include "support/test_support.hpp"

namespace foresight {
namespace {
namespace fs = std::filesystem;

// ROOT/train with frame0.png .. frame<frames-1>.png of one dancer.
fs::path make_split(const std::string& tag, int frames = 6) {
  fs::path root = testing::scratch_dir(tag);
  write_dance_frames(pose_image_dir(root, "train"), pose_label_dir(root, "train"), 42, 0, frames);
  return root;
}

std::string error_of(const fs::path& root) {
  try {
    load_pose_clip(open_pose_split(root, "train"));
  } catch (const DatasetError& e) {
    return e.what();
  }
  return "";
}

TEST(PoseClipReader, LoadsWhatTheWriterWrote) {
  fs::path root = make_split("pose-ok");
  PoseSplit s = open_pose_split(root, "train");
  ASSERT_EQ(s.size(), 6);
  PoseClip c = load_pose_clip(s);
  EXPECT_EQ(c.frames.sizes(), (std::vector<int64_t>{6, 3, 32, 64}));
  EXPECT_EQ(c.labels.sizes(), (std::vector<int64_t>{6, 3, 32, 64}));
  EXPECT_GE(c.frames.min().item<float>(), 0.0f);
  EXPECT_LE(c.frames.max().item<float>(), 1.0f);
  EXPECT_FALSE(at::equal(c.frames, c.labels));
  PoseClip w = load_pose_clip(s, 2, 3);
  EXPECT_EQ(w.start, 2);
  EXPECT_TRUE(at::equal(w.frames, c.frames.narrow(0, 2, 3)));
  EXPECT_TRUE(at::equal(w.labels, c.labels.narrow(0, 2, 3)));
}

TEST(PoseClipReader, FramesAreSortedByNumberNotByName) {
  fs::path root = make_split("pose-order", 12);
  PoseSplit s = open_pose_split(root, "train");
  EXPECT_EQ(s.names[2], "frame2.png");  // not frame10.png, which sorts before it as text
  EXPECT_EQ(s.names[11], "frame11.png");
}

TEST(PoseClipReader, AcceptsZeroPaddingJpegExtraFilesAndGaps) {
  fs::path root = make_split("pose-variations", 4);
  const fs::path img = pose_image_dir(root, "train"), lab = pose_label_dir(root, "train");
  fs::rename(img / "frame3.png", img / "frame0007.PNG");  // padded number, upper-case extension
  fs::rename(lab / "frame3.png", lab / "frame0007.PNG");
  cv::Mat jpg = cv::imread((img / "frame1.png").string());
  cv::imwrite((img / "frame1.jpg").string(), jpg);
  fs::remove(img / "frame1.png");
  fs::copy_file(lab / "frame1.png", lab / "frame1.jpg");
  { std::ofstream((img / "Thumbs.db").string()) << "x"; }
  { std::ofstream((img / "notes.txt").string()) << "x"; }
  fs::copy_file(lab / "frame0.png", lab / "frame99.png");  // a label without a frame
  PoseSplit s = open_pose_split(root, "train");
  EXPECT_EQ(s.names,
            (std::vector<std::string>{"frame0.png", "frame1.jpg", "frame2.png", "frame0007.PNG"}));
  EXPECT_EQ(load_pose_clip(s).frames.size(0), 4);
}

TEST(PoseClipReader, MissingLabelNamesTheFile) {
  fs::path root = make_split("pose-missing-label");
  fs::remove(pose_label_dir(root, "train") / "frame5.png");
  EXPECT_EQ(error_of(root), (pose_label_dir(root, "train") / "frame5.png").string() +
                                ": missing (the pose image of " +
                                (pose_image_dir(root, "train") / "frame5.png").string() + ")");
}

TEST(PoseClipReader, MissingFolders) {
  fs::path root = make_split("pose-no-labels");
  fs::remove_all(pose_label_dir(root, "train"));
  EXPECT_EQ(error_of(root), (root / "train" / "train_label").string() + ": missing folder");
  fs::path empty = testing::scratch_dir("pose-no-split");
  try {
    open_pose_split(empty, "val");
    FAIL();
  } catch (const DatasetError& e) {
    EXPECT_EQ(std::string(e.what()), (empty / "val" / "val_img").string() + ": missing folder");
  }
}

TEST(PoseClipReader, NoFramesAndDuplicateNumbers) {
  fs::path root = testing::scratch_dir("pose-empty");
  fs::create_directories(pose_image_dir(root, "train"));
  fs::create_directories(pose_label_dir(root, "train"));
  EXPECT_NE(error_of(root).find("train_img: no frames"), std::string::npos) << error_of(root);
  root = make_split("pose-duplicate", 3);
  fs::copy_file(pose_image_dir(root, "train") / "frame1.png",
                pose_image_dir(root, "train") / "frame01.png");
  EXPECT_EQ(error_of(root), (pose_image_dir(root, "train") / "frame1.png").string() +
                                ": frame number 1 already used by frame01.png");
}

TEST(PoseClipReader, WrongSizeIsRejectedNotResized) {
  fs::path root = make_split("pose-size");
  const fs::path label = pose_label_dir(root, "train") / "frame1.png";
  cv::imwrite(label.string(), cv::Mat(64, 64, CV_8UC3, cv::Scalar(0, 0, 0)));
  EXPECT_EQ(error_of(root), label.string() + ": image is 64x64, expected 64x32");
}

TEST(PoseClipReader, CorruptPng) {
  fs::path root = make_split("pose-corrupt");
  const fs::path frame = pose_image_dir(root, "train") / "frame3.png";
  { std::ofstream(frame.string()) << "not a png"; }
  std::string msg = error_of(root);
  EXPECT_EQ(msg.rfind(frame.string() + ": not a decodable image", 0), 0u) << msg;
}

TEST(PoseClipReader, ClipPastTheEndAndClipStarts) {
  PoseSplit s = open_pose_split(make_split("pose-window"), "train");
  EXPECT_THROW(load_pose_clip(s, 4, 5), DatasetError);
  EXPECT_THROW(load_pose_clip(s, -1, 2), std::invalid_argument);
  EXPECT_EQ(pose_clip_starts(35, 16), (std::vector<int>{0, 16}));
  EXPECT_TRUE(pose_clip_starts(15, 16).empty());
}

TEST(PoseClipReader, FrameNumbers) {
  EXPECT_EQ(pose_frame_number("frame0.png"), 0);
  EXPECT_EQ(pose_frame_number("frame0630.jpeg"), 630);
  EXPECT_EQ(pose_frame_number("frame.png"), -1);
  EXPECT_EQ(pose_frame_number("frame1.png.tmp"), -1);
  EXPECT_EQ(pose_frame_number("frame-1.png"), -1);
  EXPECT_EQ(pose_frame_number("img1.png"), -1);
}

}  // namespace
}  // namespace foresight

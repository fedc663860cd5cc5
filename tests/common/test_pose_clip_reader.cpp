// The pose-clip reader: what the dance writer produces loads as [T,3,32,64] frames and labels, and
// each kind of broken clip fails with one message naming the file.
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

fs::path make_clip(const std::string& tag, int frames = 6) {
  fs::path dir = testing::scratch_dir(tag) / "clip_000";
  write_dance_clip(dir, 42, frames);
  return dir;
}

std::string error_of(const fs::path& clip) {
  try {
    load_pose_clip(clip);
  } catch (const DatasetError& e) {
    return e.what();
  }
  return "";
}

TEST(PoseClipReader, LoadsWhatTheWriterWrote) {
  fs::path clip = make_clip("pose-ok");
  PoseClip c = load_pose_clip(clip);
  EXPECT_EQ(c.frames.sizes(), (std::vector<int64_t>{6, 3, 32, 64}));
  EXPECT_EQ(c.labels.sizes(), (std::vector<int64_t>{6, 3, 32, 64}));
  EXPECT_GE(c.frames.min().item<float>(), 0.0f);
  EXPECT_LE(c.frames.max().item<float>(), 1.0f);
  EXPECT_EQ(c.name, "clip_000");
  PoseClip w = load_pose_clip(clip, 2, 3);
  EXPECT_TRUE(at::equal(w.frames, c.frames.narrow(0, 2, 3)));
  EXPECT_TRUE(at::equal(w.labels, c.labels.narrow(0, 2, 3)));
}

TEST(PoseClipReader, MissingLabelNamesTheFile) {
  fs::path clip = make_clip("pose-missing-label");
  fs::remove(clip / "labels" / "5.png");
  std::string msg = error_of(clip);
  EXPECT_NE(msg.find((clip / "labels" / "5.png").string()), std::string::npos) << msg;
}

TEST(PoseClipReader, GapInFramesNamesTheFile) {
  fs::path clip = make_clip("pose-gap");
  fs::remove(clip / "frames" / "2.png");
  std::string msg = error_of(clip);
  EXPECT_NE(msg.find((clip / "frames" / "2.png").string() + ": missing frame"), std::string::npos)
      << msg;
}

TEST(PoseClipReader, MissingLabelsFolder) {
  fs::path clip = make_clip("pose-no-labels");
  fs::remove_all(clip / "labels");
  EXPECT_EQ(error_of(clip), (clip / "labels").string() + ": missing folder");
}

TEST(PoseClipReader, WrongSizeIsRejectedNotResized) {
  fs::path clip = make_clip("pose-size");
  cv::imwrite((clip / "labels" / "1.png").string(), cv::Mat(64, 64, CV_8UC3, cv::Scalar(0, 0, 0)));
  EXPECT_EQ(error_of(clip), (clip / "labels" / "1.png").string() + ": image is 64x64, expected 64x32");
}

TEST(PoseClipReader, CorruptPng) {
  fs::path clip = make_clip("pose-corrupt");
  { std::ofstream((clip / "frames" / "3.png").string()) << "not a png"; }
  std::string msg = error_of(clip);
  EXPECT_EQ(msg.rfind((clip / "frames" / "3.png").string() + ": not a decodable image", 0), 0u) << msg;
}

TEST(PoseClipReader, WindowPastTheEnd) {
  fs::path clip = make_clip("pose-window");
  EXPECT_THROW(load_pose_clip(clip, 4, 5), DatasetError);
  EXPECT_THROW(load_pose_clip(clip, -1, 2), std::invalid_argument);
}

TEST(PoseClipReader, SplitWithoutClips) {
  fs::path root = testing::scratch_dir("pose-empty");
  EXPECT_THROW(list_pose_clips(root, "val"), DatasetError);
  fs::create_directories(root / "val");
  try {
    list_pose_clips(root, "val");
    FAIL();
  } catch (const DatasetError& e) {
    EXPECT_NE(std::string(e.what()).find("no clip folders"), std::string::npos);
  }
}

}  // namespace
}  // namespace foresight

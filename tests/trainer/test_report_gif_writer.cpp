// Animated GIFs: frames come back with small palette error (none when there are few colours),
// the file loops, carries the delay, is world-readable, and the same frames give the same bytes.
#include <gif_lib.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "common/util/atomic_file.hpp"
#include "support/test_support.hpp"
#include "trainer/report/gif_writer.hpp"

namespace foresight {
namespace {
namespace fs = std::filesystem;

// A pushing-like scene: a shaded table, a grey arm and coloured objects, blurred, with sensor
// noise: thousands of colours, spread the way model output spreads them.
std::vector<cv::Mat> scene_frames(int n, int w, int h) {
  cv::RNG rng(7);
  std::vector<cv::Mat> frames;
  for (int i = 0; i < n; ++i) {
    cv::Mat f(h, w, CV_8UC3);
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        double shade = 0.75 + 0.25 * (x + y) / double(w + h);
        f.at<cv::Vec3b>(y, x) =
            cv::Vec3b(uchar(180 * shade), uchar(140 * shade), uchar(100 * shade));
      }
    }
    cv::rectangle(f, cv::Rect(2 + 3 * i, 0, 6, h / 2), cv::Scalar(90, 90, 95), cv::FILLED);
    cv::circle(f, {w / 2, h - 6}, 4, cv::Scalar(200, 40, 40), cv::FILLED);
    cv::circle(f, {w - 8, h / 3 + i}, 3, cv::Scalar(40, 60, 210), cv::FILLED);
    cv::GaussianBlur(f, f, {3, 3}, 0.8);
    cv::Mat noise(h, w, CV_8UC3);
    rng.fill(noise, cv::RNG::UNIFORM, 0, 8);
    f += noise;
    frames.push_back(f);
  }
  return frames;
}

cv::Mat upscale(const cv::Mat& m, int s) {
  cv::Mat big;
  cv::resize(m, big, {}, s, s, cv::INTER_NEAREST);
  return big;
}

TEST(ReportGifWriter, RoundTripWithinPaletteError) {
  auto dir = testing::scratch_dir("gif");
  auto frames = scene_frames(6, 40, 24);
  write_gif(dir / "a.gif", frames, 15, 2);
  auto back = read_gif(dir / "a.gif");
  ASSERT_EQ(back.size(), frames.size());
  for (size_t i = 0; i < frames.size(); ++i) {
    ASSERT_EQ(back[i].size(), cv::Size(80, 48));
    ASSERT_EQ(back[i].type(), CV_8UC3);
    cv::Mat diff;
    cv::absdiff(back[i], upscale(frames[i], 2), diff);
    double mean = cv::mean(diff.reshape(1))[0], max = 0;
    cv::minMaxLoc(diff.reshape(1), nullptr, &max);
    EXPECT_LT(mean, 1.5) << "frame " << i;
    EXPECT_LT(max, 16.0) << "frame " << i;
  }
}

TEST(ReportGifWriter, FewColoursAreLossless) {
  auto dir = testing::scratch_dir("gif");
  std::vector<cv::Mat> frames;
  for (int i = 0; i < 4; ++i) {
    cv::Mat f(16, 16, CV_8UC3, cv::Scalar(10, 20, 30));
    cv::circle(f, {4 + 2 * i, 8}, 3, cv::Scalar(200, 100, 0), cv::FILLED);
    f.at<cv::Vec3b>(0, i) = cv::Vec3b(1, 2, 3);
    frames.push_back(f);
  }
  write_gif(dir / "b.gif", frames);
  auto back = read_gif(dir / "b.gif");
  ASSERT_EQ(back.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(cv::norm(back[i], frames[i], cv::NORM_INF), 0.0);
}

TEST(ReportGifWriter, LoopsDelaysModeAndDeterminism) {
  auto dir = testing::scratch_dir("gif");
  auto frames = scene_frames(3, 20, 20);
  write_gif(dir / "c.gif", frames, 25);
  std::string bytes = read_file(dir / "c.gif");
  EXPECT_EQ(bytes.substr(0, 6), "GIF89a");
  EXPECT_NE(bytes.find(std::string("NETSCAPE2.0\x03\x01\x00\x00", 15)), std::string::npos);

  int err = 0;
  GifFileType* gif = DGifOpenFileName((dir / "c.gif").c_str(), &err);
  ASSERT_NE(gif, nullptr);
  ASSERT_NE(DGifSlurp(gif), GIF_ERROR);
  ASSERT_EQ(gif->ImageCount, 3);
  for (int i = 0; i < gif->ImageCount; ++i) {
    GraphicsControlBlock gcb{};
    ASSERT_NE(DGifSavedExtensionToGCB(gif, i, &gcb), GIF_ERROR);
    EXPECT_EQ(gcb.DelayTime, 25);
  }
  DGifCloseFile(gif, &err);

  mode_t mask = ::umask(0);
  ::umask(mask);
  struct stat st {};
  ASSERT_EQ(::stat((dir / "c.gif").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0666u & ~mask);

  write_gif(dir / "d.gif", frames, 25);
  EXPECT_EQ(read_file(dir / "d.gif"), bytes);
}

TEST(ReportGifWriter, ViewsEncodeLikeCopies) {
  auto dir = testing::scratch_dir("gif");
  std::vector<cv::Mat> views, copies;
  for (const auto& f : scene_frames(3, 60, 24)) {
    views.push_back(f(cv::Rect(10, 0, 40, 24)));  // not continuous in memory
    copies.push_back(views.back().clone());
  }
  write_gif(dir / "v.gif", views);
  write_gif(dir / "c.gif", copies);
  EXPECT_EQ(read_file(dir / "v.gif"), read_file(dir / "c.gif"));
}

TEST(ReportGifWriter, RejectsBadInput) {
  auto dir = testing::scratch_dir("gif");
  EXPECT_THROW(write_gif(dir / "e.gif", {}), std::invalid_argument);
  std::vector<cv::Mat> mixed{cv::Mat(4, 4, CV_8UC3, cv::Scalar::all(0)),
                             cv::Mat(4, 5, CV_8UC3, cv::Scalar::all(0))};
  EXPECT_THROW(write_gif(dir / "e.gif", mixed), std::invalid_argument);
  std::vector<cv::Mat> grey{cv::Mat(4, 4, CV_8UC1, cv::Scalar::all(0))};
  EXPECT_THROW(write_gif(dir / "e.gif", grey), std::invalid_argument);
  std::vector<cv::Mat> one{cv::Mat(4, 4, CV_8UC3, cv::Scalar::all(0))};
  EXPECT_THROW(write_gif(dir / "e.gif", one, 20, 0), std::invalid_argument);
  EXPECT_FALSE(fs::exists(dir / "e.gif"));
  EXPECT_THROW(read_gif(dir / "missing.gif"), std::runtime_error);
}

}  // namespace
}  // namespace foresight

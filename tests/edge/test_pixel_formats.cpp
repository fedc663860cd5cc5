// Raw camera buffers to RGB: each format's byte order on a known 2x2 picture, padded strides,
// short buffers and bad JPEGs as clear errors.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "edge/camera/pixel_formats.hpp"

namespace foresight {
namespace {

// Red, green / blue, white: every channel differs between pixels, so a swap shows.
const cv::Vec3b kPixels[2][2] = {{{255, 0, 0}, {0, 255, 0}}, {{0, 0, 255}, {255, 255, 255}}};

// Lays out the picture as `order` (indices into R,G,B; 3 = padding byte), rows `stride` apart.
std::vector<uint8_t> layout(const std::vector<int>& order, size_t stride) {
  std::vector<uint8_t> buf(stride * 2, 0xAB);
  for (int y = 0; y < 2; ++y) {
    for (int x = 0; x < 2; ++x) {
      for (size_t c = 0; c < order.size(); ++c) {
        buf[y * stride + x * order.size() + c] = order[c] == 3 ? 0x55 : kPixels[y][x][order[c]];
      }
    }
  }
  return buf;
}

void expect_picture(const cv::Mat& rgb) {
  ASSERT_EQ(rgb.type(), CV_8UC3);
  ASSERT_EQ(rgb.size(), cv::Size(2, 2));
  for (int y = 0; y < 2; ++y) {
    for (int x = 0; x < 2; ++x) EXPECT_EQ(rgb.at<cv::Vec3b>(y, x), kPixels[y][x]) << y << x;
  }
}

TEST(PixelFormats, FourccNamesParse) {
  RawPixelFormat f;
  ASSERT_TRUE(raw_pixel_format_from_fourcc("RG24", f));
  EXPECT_EQ(f, RawPixelFormat::rgb888);
  ASSERT_TRUE(raw_pixel_format_from_fourcc("MJPG", f));
  EXPECT_EQ(f, RawPixelFormat::mjpeg);
  EXPECT_FALSE(raw_pixel_format_from_fourcc("pRAA", f));  // Bayer: not ours to debayer
}

TEST(PixelFormats, PackedRgbOrdersIncludingPaddedRows) {
  // libcamera's RGB888 is B,G,R in memory; BGR888 is R,G,B; the X formats add a pad byte.
  expect_picture(raw_to_rgb(RawPixelFormat::rgb888, layout({2, 1, 0}, 6).data(), 12, 2, 2, 6));
  expect_picture(raw_to_rgb(RawPixelFormat::bgr888, layout({0, 1, 2}, 8).data(), 16, 2, 2, 8));
  expect_picture(raw_to_rgb(RawPixelFormat::xrgb8888, layout({2, 1, 0, 3}, 8).data(), 16, 2, 2, 8));
  expect_picture(
      raw_to_rgb(RawPixelFormat::xbgr8888, layout({0, 1, 2, 3}, 12).data(), 24, 2, 2, 12));
}

TEST(PixelFormats, YuvFormatsMatchOpenCvsConversionOfTheSamePicture) {
  // A flat mid-grey in YUV (Y 128, U = V = 128) is grey in RGB whatever the layout.
  std::vector<uint8_t> yuyv(4 * 2 * 2, 128);
  cv::Mat rgb = raw_to_rgb(RawPixelFormat::yuyv, yuyv.data(), yuyv.size(), 4, 2, 8);
  ASSERT_EQ(rgb.size(), cv::Size(4, 2));
  for (int i = 0; i < 8; ++i) EXPECT_NEAR(rgb.at<cv::Vec3b>(i / 4, i % 4)[0], 128, 2);
  std::vector<uint8_t> nv12(4 * 2 * 3 / 2, 128);
  nv12[0] = 16;  // one black luma sample
  rgb = raw_to_rgb(RawPixelFormat::nv12, nv12.data(), nv12.size(), 4, 2, 4);
  EXPECT_LT(rgb.at<cv::Vec3b>(0, 0)[1], 5);
  EXPECT_NEAR(rgb.at<cv::Vec3b>(1, 3)[1], 130, 4);
}

TEST(PixelFormats, MjpegDecodes) {
  cv::Mat bgr(16, 16, CV_8UC3, cv::Scalar(0, 0, 200));  // red in OpenCV's BGR
  std::vector<uint8_t> jpeg;
  cv::imencode(".jpg", bgr, jpeg);
  const cv::Mat rgb = raw_to_rgb(RawPixelFormat::mjpeg, jpeg.data(), jpeg.size(), 16, 16, 0);
  EXPECT_NEAR(rgb.at<cv::Vec3b>(8, 8)[0], 200, 8);
  EXPECT_LT(rgb.at<cv::Vec3b>(8, 8)[2], 20);
}

TEST(PixelFormats, ShortBuffersStridesAndBadJpegsAreClearErrors) {
  const std::vector<uint8_t> buf(11, 0);
  EXPECT_THROW(raw_to_rgb(RawPixelFormat::rgb888, buf.data(), buf.size(), 2, 2, 6),
               std::runtime_error);
  EXPECT_THROW(raw_to_rgb(RawPixelFormat::rgb888, buf.data(), buf.size(), 2, 2, 5),
               std::runtime_error);
  try {
    raw_to_rgb(RawPixelFormat::mjpeg, buf.data(), buf.size(), 2, 2, 0);
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("MJPEG"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace foresight

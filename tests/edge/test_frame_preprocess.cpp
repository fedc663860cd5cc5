// Frames into model input: decoding each encoding, center crop, resize, value range; bad images
// are ProtocolErrors.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "edge/session/frame_preprocess.hpp"
#include "session_helpers.hpp"

namespace foresight {
namespace {

cv::Mat gradient(int w, int h) {
  cv::Mat m(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) m.at<cv::Vec3b>(y, x) = cv::Vec3b(x % 256, y % 256, 200);
  }
  return m;
}

Image image_of(ImageEncoding enc, const cv::Mat& rgb) {
  Image img;
  img.encoding = enc;
  if (enc == ImageEncoding::png) img.bytes = encode_png(rgb);
  if (enc == ImageEncoding::jpeg) img.bytes = encode_jpeg(rgb, 95);
  if (enc == ImageEncoding::raw_rgb) {
    img.width = rgb.cols;
    img.height = rgb.rows;
    img.bytes.assign(rgb.data, rgb.data + rgb.total() * 3);
  }
  return img;
}

TEST(FramePreprocess, DecodesEveryEncodingInRgbOrder) {
  const cv::Mat src = gradient(40, 30);
  for (auto enc : {ImageEncoding::png, ImageEncoding::raw_rgb, ImageEncoding::jpeg}) {
    cv::Mat got = decode_frame(image_of(enc, src));
    ASSERT_EQ(got.size(), src.size());
    ASSERT_EQ(got.type(), CV_8UC3);
    const double tol = enc == ImageEncoding::jpeg ? 12.0 : 0.0;
    EXPECT_LE(cv::norm(got, src, cv::NORM_INF), tol) << to_string(enc);
    EXPECT_NEAR(got.at<cv::Vec3b>(5, 5)[2], 200, tol);  // blue channel stays third
  }
}

TEST(FramePreprocess, UndecodableOrMisdeclaredImagesAreMalformed) {
  Image junk;
  junk.encoding = ImageEncoding::jpeg;
  junk.bytes = {0xff, 0xd8, 0x00, 0x01, 0x02};
  try {
    decode_frame(junk);
    FAIL();
  } catch (const ProtocolError& e) {
    EXPECT_EQ(e.code(), ErrorCode::malformed_payload);
  }
  Image png = image_of(ImageEncoding::png, gradient(32, 32));
  png.width = 64;
  png.height = 64;
  EXPECT_THROW(decode_frame(png), ProtocolError);
  Image raw = image_of(ImageEncoding::raw_rgb, gradient(8, 8));
  raw.bytes.pop_back();
  EXPECT_THROW(decode_frame(raw), ProtocolError);
}

TEST(FramePreprocess, CentreCropsThenResizesToTheModelSize) {
  cv::Mat wide(60, 100, CV_8UC3, cv::Scalar(255, 0, 0));
  wide(cv::Rect(20, 0, 60, 60)).setTo(cv::Scalar(0, 255, 0));  // the centre square is green
  at::Tensor x = to_model_input(wide, 64);
  ASSERT_EQ(x.sizes(), (at::IntArrayRef{3, 64, 64}));
  EXPECT_EQ(x.scalar_type(), at::kFloat);
  EXPECT_NEAR(x[0].max().item<double>(), 0.0, 1e-6);
  EXPECT_NEAR(x[1].min().item<double>(), 1.0, 1e-6);
  at::Tensor same = to_model_input(gradient(64, 64), 64);
  EXPECT_NEAR(same[0][0][10].item<double>(), 10 / 255.0, 1e-6);
}

TEST(FramePreprocess, CropsToTheAspectOfNonSquareModels) {
  // A 4:3 camera frame for a 32 x 64 (H x W) pose model: the centre 2:1 band is kept.
  cv::Mat frame(120, 160, CV_8UC3, cv::Scalar(255, 0, 0));
  frame(cv::Rect(0, 20, 160, 80)).setTo(cv::Scalar(0, 0, 255));  // the centre 160 x 80 is blue
  at::Tensor x = to_model_input(frame, 32, 64);
  ASSERT_EQ(x.sizes(), (at::IntArrayRef{3, 32, 64}));
  EXPECT_NEAR(x[0].max().item<double>(), 0.0, 1e-6);
  EXPECT_NEAR(x[2].min().item<double>(), 1.0, 1e-6);
  // An image already of the model's size passes through unchanged.
  at::Tensor same = to_model_input(gradient(64, 32), 32, 64);
  EXPECT_NEAR(same[0][5][40].item<double>(), 40 / 255.0, 1e-6);
  EXPECT_NEAR(same[1][5][40].item<double>(), 5 / 255.0, 1e-6);
  // A tall image loses rows top and bottom, never columns.
  cv::Mat crop = center_crop_aspect(gradient(50, 200), 64, 32);
  EXPECT_EQ(crop.cols, 50);
  EXPECT_EQ(crop.rows, 25);
}

TEST(FramePreprocess, TensorsRoundTripToImages) {
  at::Tensor t = at::rand({3, 16, 16});
  cv::Mat rgb = tensor_to_rgb(t);
  at::Tensor back = to_model_input(rgb, 16);
  EXPECT_LE((back - t).abs().max().item<double>(), 0.5 / 255 + 1e-6);
}

// Corrupt PNG and JPEG data is refused with one exception and nothing on stderr (libpng and
// libjpeg print their own lines, bytes of the input included, when left to themselves).
TEST(FramePreprocess, CorruptImagesAreRefusedQuietly) {
  std::vector<uint8_t> png = encode_png(cv::Mat(16, 16, CV_8UC3, cv::Scalar(1, 2, 3)));
  png[13] = 0xf9;  // the IHDR chunk's type: "I" becomes a byte that is no letter
  std::vector<uint8_t> jpeg = encode_jpeg(gradient(64, 64));
  size_t scan = 0;  // the start-of-scan marker: cut halfway through the scan after it
  for (size_t i = 0; i + 1 < jpeg.size(); ++i) {
    if (jpeg[i] == 0xff && jpeg[i + 1] == 0xda) scan = i;
  }
  ASSERT_GT(scan, 0u);
  jpeg.resize(scan + (jpeg.size() - scan) / 2);  // libjpeg warns and pads
  std::vector<uint8_t> junk_jpeg = {0xff, 0xd8, 0xff, 0x00, 0x13, 0x57};
  ::testing::internal::CaptureStderr();
  EXPECT_THROW(decode_frame({ImageEncoding::png, 0, 0, png}), ProtocolError);
  EXPECT_THROW(decode_frame({ImageEncoding::jpeg, 0, 0, junk_jpeg}), ProtocolError);
  cv::Mat padded = decode_frame({ImageEncoding::jpeg, 0, 0, jpeg});  // usable, as a camera's
  const std::string printed = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(printed, "");
  EXPECT_EQ(padded.cols, 64);
}

TEST(FramePreprocess, TheFrameLimitIsCheckedFromTheHeaderBeforeDecoding) {
  for (auto bytes : {testing::png_claiming(12000, 12000), testing::jpeg_claiming(12000, 12000)}) {
    const ImageEncoding enc = bytes[0] == 0x89 ? ImageEncoding::png : ImageEncoding::jpeg;
    try {
      decode_frame({enc, 0, 0, bytes});
      ADD_FAILURE() << "accepted";
    } catch (const ProtocolError& e) {
      EXPECT_EQ(e.code(), ErrorCode::malformed_payload);
      EXPECT_NE(std::string(e.what()).find("12000x12000"), std::string::npos) << e.what();
    }
  }
  // Within a lower limit the same images are judged by their pixels (and fail to decode).
  const auto small = testing::png_claiming(4, 4);
  EXPECT_EQ(decode_frame({ImageEncoding::png, 0, 0, small}, 16).cols, 4);
  EXPECT_THROW(decode_frame({ImageEncoding::png, 0, 0, small}, 15), ProtocolError);
  Image raw{ImageEncoding::raw_rgb, 4, 4, std::vector<uint8_t>(48, 1)};
  EXPECT_THROW(decode_frame(raw, 15), ProtocolError);
}

}  // namespace
}  // namespace foresight

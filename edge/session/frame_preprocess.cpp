#include "edge/session/frame_preprocess.hpp"

#include <ATen/ATen.h>

#include <algorithm>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <string>

#include "edge/session/image_decode.hpp"

namespace foresight {

cv::Mat decode_frame(const Image& image, uint64_t max_pixels) {
  const std::string name = to_string(image.encoding);
  if (image.bytes.empty()) {
    throw ProtocolError(ErrorCode::malformed_payload, "frame: the image has no bytes");
  }
  if (image.encoding == ImageEncoding::raw_rgb) {
    const uint64_t expected = uint64_t{image.width} * image.height * 3;
    if (image.width == 0 || image.height == 0 || image.bytes.size() != expected) {
      throw ProtocolError(ErrorCode::malformed_payload,
                          "frame: raw_rgb " + std::to_string(image.width) + "x" +
                              std::to_string(image.height) + " needs " + std::to_string(expected) +
                              " bytes, got " + std::to_string(image.bytes.size()));
    }
    if (uint64_t{image.width} * image.height > max_pixels) {
      throw ProtocolError(ErrorCode::malformed_payload,
                          "frame: raw_rgb of " + std::to_string(image.width) + "x" +
                              std::to_string(image.height) + " is more than the " +
                              std::to_string(max_pixels) + " pixels accepted (--max-frame-pixels)");
    }
    // cv::Mat wants non-const data; clone() copies it out before anything could write.
    return cv::Mat(static_cast<int>(image.height), static_cast<int>(image.width), CV_8UC3,
                   const_cast<uint8_t*>(image.bytes.data()))
        .clone();
  }
  cv::Mat rgb = image.encoding == ImageEncoding::png
                    ? decode_png_rgb(image.bytes.data(), image.bytes.size(), max_pixels)
                    : decode_jpeg_rgb(image.bytes.data(), image.bytes.size(), max_pixels);
  if ((image.width != 0 && static_cast<int>(image.width) != rgb.cols) ||
      (image.height != 0 && static_cast<int>(image.height) != rgb.rows)) {
    throw ProtocolError(ErrorCode::malformed_payload,
                        "frame: declared " + std::to_string(image.width) + "x" +
                            std::to_string(image.height) + " but the " + name + " is " +
                            std::to_string(rgb.cols) + "x" + std::to_string(rgb.rows));
  }
  return rgb;
}

cv::Mat center_crop_aspect(const cv::Mat& rgb, int width, int height) {
  if (width <= 0 || height <= 0) throw std::invalid_argument("center_crop_aspect: bad aspect");
  // The largest w x h with w / h = width / height inside the image (integer maths: no drift).
  int w = rgb.cols, h = rgb.rows;
  if (int64_t{w} * height > int64_t{h} * width) {
    w = static_cast<int>(int64_t{h} * width / height);
  } else {
    h = static_cast<int>(int64_t{w} * height / width);
  }
  w = std::max(1, w);
  h = std::max(1, h);
  return rgb(cv::Rect((rgb.cols - w) / 2, (rgb.rows - h) / 2, w, h));
}

cv::Mat center_crop_square(const cv::Mat& rgb) { return center_crop_aspect(rgb, 1, 1); }

at::Tensor to_model_input(const cv::Mat& rgb, int height, int width) {
  if (rgb.empty() || rgb.type() != CV_8UC3) {
    throw std::invalid_argument("to_model_input: want a non-empty CV_8UC3 image");
  }
  if (height <= 0 || width <= 0) throw std::invalid_argument("to_model_input: bad size");
  cv::Mat crop = center_crop_aspect(rgb, width, height);
  cv::Mat resized;
  if (crop.cols == width && crop.rows == height) {
    resized = crop.clone();  // also makes the crop contiguous
  } else {
    cv::resize(crop, resized, cv::Size(width, height), 0, 0,
               crop.cols > width ? cv::INTER_AREA : cv::INTER_LINEAR);
  }
  return rgb_to_tensor(resized);
}

at::Tensor to_model_input(const cv::Mat& rgb, int size) { return to_model_input(rgb, size, size); }

namespace {

std::vector<uint8_t> encode(const cv::Mat& rgb, const char* ext, const std::vector<int>& params) {
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  std::vector<uint8_t> out;
  if (!cv::imencode(ext, bgr, out, params)) {
    throw std::runtime_error(std::string("cannot encode a ") + ext + " image");
  }
  return out;
}

}  // namespace

std::vector<uint8_t> encode_png(const cv::Mat& rgb) {
  // Level 1: predictions are tiny and sent every step; speed beats the last few bytes.
  return encode(rgb, ".png", {cv::IMWRITE_PNG_COMPRESSION, 1});
}

std::vector<uint8_t> encode_jpeg(const cv::Mat& rgb, int quality) {
  return encode(rgb, ".jpg", {cv::IMWRITE_JPEG_QUALITY, quality});
}

}  // namespace foresight

// Camera frames (and pose images) into model input: decode (JPEG, PNG or raw RGB), center-crop
// to the model's aspect ratio, resize to its frame size, and lay out as an RGB float tensor in [0,
// 1]. Also the way back (tensor to 8-bit image) for encoding predictions and views.
#pragma once
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <opencv2/core.hpp>
#include <vector>

#include "common/protocol/messages.hpp"
#include "common/util/image_tensor.hpp"  // tensor_to_rgb, rgb_to_tensor
#include "edge/session/image_decode.hpp"

namespace foresight {

// Returns the image as CV_8UC3 in R,G,B order. Throws ProtocolError(malformed_payload) when the
// bytes do not decode, when the image has more than max_pixels pixels (read from its header, before
// decoding), or when the declared width/height (non-zero) differ from the decoded size.
cv::Mat decode_frame(const Image& image, uint64_t max_pixels = kDefaultMaxFramePixels);

// The largest centred region of `rgb` with the aspect ratio width : height (a view, not a copy).
cv::Mat center_crop_aspect(const cv::Mat& rgb, int width, int height);
// The largest centred square of `rgb` (a view, not a copy).
cv::Mat center_crop_square(const cv::Mat& rgb);

// [3, height, width] float32 in [0, 1] from a CV_8UC3 RGB image of any shape: center-cropped to
// the aspect ratio, then resized (area filter when shrinking, bilinear when enlarging). Throws
// std::invalid_argument for an empty image, another type or a non-positive size.
at::Tensor to_model_input(const cv::Mat& rgb, int height, int width);
at::Tensor to_model_input(const cv::Mat& rgb, int size);  // square: size x size

// Encodes a CV_8UC3 RGB image. Throws std::runtime_error if OpenCV cannot encode it.
std::vector<uint8_t> encode_png(const cv::Mat& rgb);
std::vector<uint8_t> encode_jpeg(const cv::Mat& rgb, int quality = 85);

}  // namespace foresight

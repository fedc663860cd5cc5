// PNG and JPEG frames from untrusted peers, decoded with libpng and libjpeg directly rather than
// through cv::imdecode, for two reasons: the image's size is read from its header and refused
// before any pixel memory is allocated (a 400 KB PNG can claim 12000x12000 pixels), and the
// libraries' own diagnostics — which OpenCV lets them print to stderr, bytes of the input included
// — become the text of one exception instead.
#pragma once
#include <cstddef>
#include <cstdint>
#include <opencv2/core.hpp>

namespace foresight {

// The default largest frame (SessionOptions::max_frame_pixels, --max-frame-pixels): 4096 x 4096.
constexpr uint64_t kDefaultMaxFramePixels = uint64_t{4096} * 4096;

// CV_8UC3 in R,G,B order (grey and palette images are expanded, alpha is dropped). Throws
// ProtocolError(malformed_payload) with a one-line reason when the bytes are not a decodable image
// of the format, or when width x height exceeds max_pixels (checked before decoding).
cv::Mat decode_png_rgb(const uint8_t* data, std::size_t size, uint64_t max_pixels);
cv::Mat decode_jpeg_rgb(const uint8_t* data, std::size_t size, uint64_t max_pixels);

}  // namespace foresight

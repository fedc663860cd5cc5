// Raw camera buffers to RGB. libcamera names formats by DRM fourcc, whose byte order is the
// reverse of the name: RGB888 ("RG24") is B,G,R in memory, XRGB8888 ("XR24") is B,G,R,X. Kept apart
// from the libcamera backend so the conversions are tested on every build, camera or not.
#pragma once
#include <cstddef>
#include <cstdint>
#include <opencv2/core.hpp>
#include <string>

namespace foresight {

// The formats a live camera may hand over, by their DRM fourcc.
enum class RawPixelFormat { rgb888, bgr888, xrgb8888, xbgr8888, yuyv, nv12, mjpeg };

// Parses "RG24", "BG24", "XR24", "XB24", "YUYV", "NV12", "MJPG"; returns false for others.
bool raw_pixel_format_from_fourcc(const std::string& fourcc, RawPixelFormat& out);
std::string to_string(RawPixelFormat f);

// Converts one buffer of `width` x `height` pixels, rows `stride` bytes apart (NV12: the chroma
// plane follows the luma plane at height * stride), into a CV_8UC3 R,G,B image. `bytes` is the
// buffer's valid length (MJPEG: the encoded size). Throws std::runtime_error naming the format
// when the buffer is too short or a JPEG does not decode.
cv::Mat raw_to_rgb(RawPixelFormat format, const uint8_t* data, size_t bytes, int width, int height,
                   size_t stride);

}  // namespace foresight

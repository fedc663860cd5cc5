#include "edge/camera/pixel_formats.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

namespace foresight {

bool raw_pixel_format_from_fourcc(const std::string& fourcc, RawPixelFormat& out) {
  static const std::pair<const char*, RawPixelFormat> table[] = {
      {"RG24", RawPixelFormat::rgb888},   {"BG24", RawPixelFormat::bgr888},
      {"XR24", RawPixelFormat::xrgb8888}, {"XB24", RawPixelFormat::xbgr8888},
      {"YUYV", RawPixelFormat::yuyv},     {"NV12", RawPixelFormat::nv12},
      {"MJPG", RawPixelFormat::mjpeg}};
  for (const auto& [name, format] : table) {
    if (fourcc == name) {
      out = format;
      return true;
    }
  }
  return false;
}

std::string to_string(RawPixelFormat f) {
  switch (f) {
    case RawPixelFormat::rgb888:
      return "RGB888";
    case RawPixelFormat::bgr888:
      return "BGR888";
    case RawPixelFormat::xrgb8888:
      return "XRGB8888";
    case RawPixelFormat::xbgr8888:
      return "XBGR8888";
    case RawPixelFormat::yuyv:
      return "YUYV";
    case RawPixelFormat::nv12:
      return "NV12";
    case RawPixelFormat::mjpeg:
      return "MJPEG";
  }
  return "?";
}

namespace {

size_t min_stride(RawPixelFormat f, int width) {
  switch (f) {
    case RawPixelFormat::rgb888:
    case RawPixelFormat::bgr888:
      return static_cast<size_t>(width) * 3;
    case RawPixelFormat::xrgb8888:
    case RawPixelFormat::xbgr8888:
      return static_cast<size_t>(width) * 4;
    case RawPixelFormat::yuyv:
      return static_cast<size_t>(width) * 2;
    case RawPixelFormat::nv12:
      return static_cast<size_t>(width);
    case RawPixelFormat::mjpeg:
      return 0;
  }
  return 0;
}

}  // namespace

cv::Mat raw_to_rgb(RawPixelFormat format, const uint8_t* data, size_t bytes, int width, int height,
                   size_t stride) {
  const std::string what = "camera buffer (" + to_string(format) + ")";
  if (width <= 0 || height <= 0) throw std::runtime_error(what + ": empty frame size");
  cv::Mat rgb;
  if (format == RawPixelFormat::mjpeg) {
    const cv::Mat encoded(1, static_cast<int>(bytes), CV_8UC1, const_cast<uint8_t*>(data));
    const cv::Mat bgr = bytes ? cv::imdecode(encoded, cv::IMREAD_COLOR) : cv::Mat();
    if (bgr.empty()) throw std::runtime_error(what + ": the JPEG does not decode");
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    return rgb;
  }
  if (stride < min_stride(format, width)) {
    throw std::runtime_error(what + ": stride " + std::to_string(stride) + " < " +
                             std::to_string(min_stride(format, width)) + " for width " +
                             std::to_string(width));
  }
  const size_t rows = format == RawPixelFormat::nv12 ? static_cast<size_t>(height) * 3 / 2
                                                     : static_cast<size_t>(height);
  const size_t need = (rows - 1) * stride + min_stride(format, width);
  if (bytes < need) {
    throw std::runtime_error(what + ": " + std::to_string(bytes) + " bytes, need " +
                             std::to_string(need) + " for " + std::to_string(width) + "x" +
                             std::to_string(height));
  }
  auto* p = const_cast<uint8_t*>(data);
  switch (format) {
    case RawPixelFormat::rgb888:  // B,G,R in memory
      cv::cvtColor(cv::Mat(height, width, CV_8UC3, p, stride), rgb, cv::COLOR_BGR2RGB);
      break;
    case RawPixelFormat::bgr888:  // R,G,B in memory
      cv::Mat(height, width, CV_8UC3, p, stride).copyTo(rgb);
      break;
    case RawPixelFormat::xrgb8888:  // B,G,R,X
      cv::cvtColor(cv::Mat(height, width, CV_8UC4, p, stride), rgb, cv::COLOR_BGRA2RGB);
      break;
    case RawPixelFormat::xbgr8888:  // R,G,B,X
      cv::cvtColor(cv::Mat(height, width, CV_8UC4, p, stride), rgb, cv::COLOR_RGBA2RGB);
      break;
    case RawPixelFormat::yuyv:
      cv::cvtColor(cv::Mat(height, width, CV_8UC2, p, stride), rgb, cv::COLOR_YUV2RGB_YUYV);
      break;
    case RawPixelFormat::nv12:
      cv::cvtColor(cv::Mat(height * 3 / 2, width, CV_8UC1, p, stride), rgb, cv::COLOR_YUV2RGB_NV12);
      break;
    case RawPixelFormat::mjpeg:
      break;
  }
  return rgb;
}

}  // namespace foresight

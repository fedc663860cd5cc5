#include <chrono>
#include <filesystem>
#include <opencv2/videoio.hpp>

#include "edge/camera/camera_backends.hpp"

namespace foresight {
namespace fs = std::filesystem;

std::unique_ptr<Camera> open_camera(const std::string& uri, const CameraOptions& options) {
  if (uri == "socket") return nullptr;
  if (!(options.fps > 0)) throw CameraError("camera: fps must be > 0");
  const auto sep = uri.find("://");
  const std::string scheme = sep == std::string::npos ? "" : uri.substr(0, sep);
  const std::string rest = sep == std::string::npos ? uri : uri.substr(sep + 3);
  if (scheme == "file") {
    std::error_code ec;
    if (fs::is_directory(rest, ec)) return camera_detail::open_image_folder(uri, rest, options);
    if (fs::is_regular_file(rest, ec)) {
      return camera_detail::open_video_capture(uri, rest, cv::CAP_ANY, true, options);
    }
    throw CameraError("no such file or folder for camera " + uri);
  }
  if (scheme == "v4l2") {
    std::error_code ec;
    if (rest.empty() || !fs::exists(rest, ec)) throw CameraError("no camera at " + uri);
    return camera_detail::open_video_capture(uri, rest, cv::CAP_V4L2, false, options);
  }
  if (scheme == "libcamera" || scheme == "csi") {
    return camera_detail::open_libcamera(uri, rest, options);
  }
  throw CameraError("unknown camera URI '" + uri +
                    "' (want socket, file://PATH, v4l2:///dev/videoN or libcamera://N)");
}

}  // namespace foresight

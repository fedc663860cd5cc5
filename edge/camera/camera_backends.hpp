// Internal to edge/camera: the backends open_camera() chooses from.
#pragma once
#include <filesystem>

#include "edge/camera/camera.hpp"

namespace foresight::camera_detail {

// A dataset sequence folder (0.png, 1.png, ...) replayed at options.fps.
std::unique_ptr<Camera> open_image_folder(const std::string& uri,
                                          const std::filesystem::path& folder,
                                          const CameraOptions& options);
// A device or video file through cv::VideoCapture; `paced` replays a file at options.fps.
std::unique_ptr<Camera> open_video_capture(const std::string& uri, const std::string& path, int api,
                                           bool paced, const CameraOptions& options);

// libcamera://N (index in libcamera's list) or libcamera://CAMERA_ID; `which` is N or the id.
std::unique_ptr<Camera> open_libcamera(const std::string& uri, const std::string& which,
                                       const CameraOptions& options);

}  // namespace foresight::camera_detail

// libcamera://N (or libcamera://CAMERA_ID, csi://N): a camera through libcamera, the stack of
// Raspberry Pi-style CSI sensors and of UVC cameras on boards without V4L2 apps. Frames arrive
// on libcamera's own thread; only the newest one is kept (a slow model skips frames, never
// queues them). Built when pkg-config finds libcamera (FORESIGHT_HAVE_LIBCAMERA), else a clear
// error. Written against Debian 12's 0.0.3 using only calls that kept their meaning through 0.3:
// generateConfiguration takes a braced role list (a vector, later a Span), a plane's fd is a
// SharedFD, and no ControlList::get (which returns std::optional from 0.1 on) is needed.
#include "common/util/host.hpp"
#include "edge/camera/camera_backends.hpp"

#if FORESIGHT_HAVE_LIBCAMERA
#include <libcamera/libcamera.h>
#include <libcamera/version.h>
#include <sys/mman.h>

#define FORESIGHT_STR2(x) #x
#define FORESIGHT_STR(x) FORESIGHT_STR2(x)
#define FORESIGHT_LIBCAMERA_VERSION      \
  FORESIGHT_STR(LIBCAMERA_VERSION_MAJOR) \
  "." FORESIGHT_STR(LIBCAMERA_VERSION_MINOR) "." FORESIGHT_STR(LIBCAMERA_VERSION_PATCH)

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>

#include "edge/camera/pixel_formats.hpp"
#endif

namespace foresight::camera_detail {

#if !FORESIGHT_HAVE_LIBCAMERA

std::unique_ptr<Camera> open_libcamera(const std::string& uri, const std::string&,
                                       const CameraOptions&) {
  throw CameraError("this build has no libcamera support (" + uri +
                    "): install libcamera-dev and rebuild, or use v4l2:///dev/videoN");
}

#else

namespace {
namespace lc = libcamera;

// One CameraManager per process (libcamera allows no more); it lives while a camera uses it.
std::shared_ptr<lc::CameraManager> camera_manager() {
  static std::mutex mutex;
  static std::weak_ptr<lc::CameraManager> shared;
  std::lock_guard<std::mutex> lock(mutex);
  if (auto manager = shared.lock()) return manager;
  // libcamera warns about missing IPA modules on every start; the user can still ask for them.
  setenv("LIBCAMERA_LOG_LEVELS", "*:ERROR", 0);
  auto manager = std::make_shared<lc::CameraManager>();
  if (const int rc = manager->start(); rc != 0) {
    throw CameraError("libcamera: the camera manager does not start (error " + std::to_string(rc) +
                      ")");
  }
  shared = manager;
  return manager;
}

std::string fourcc_string(const lc::PixelFormat& format) {
  const uint32_t code = format.fourcc();
  std::string s(4, ' ');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>((code >> (8 * i)) & 0xff);
  return s;
}

// The first format in our order of preference that the stream offers: RGB888 needs no work.
bool choose_format(const lc::StreamConfiguration& cfg, lc::PixelFormat& chosen,
                   RawPixelFormat& raw) {
  static const lc::PixelFormat preference[] = {
      lc::formats::RGB888, lc::formats::BGR888, lc::formats::XRGB8888, lc::formats::XBGR8888,
      lc::formats::YUYV,   lc::formats::NV12,   lc::formats::MJPEG};
  const auto offered = cfg.formats().pixelformats();
  for (const auto& want : preference) {
    for (const auto& have : offered) {
      if (have == want && raw_pixel_format_from_fourcc(fourcc_string(have), raw)) {
        chosen = have;
        return true;
      }
    }
  }
  return false;
}

std::shared_ptr<lc::Camera> find_camera(lc::CameraManager& manager, const std::string& uri,
                                        const std::string& which) {
  const auto cameras = manager.cameras();
  if (!which.empty() && which.find_first_not_of("0123456789") == std::string::npos) {
    const size_t index = std::stoul(which);
    if (index < cameras.size()) return cameras[index];
  } else if (auto camera = manager.get(which)) {
    return camera;
  }
  std::string ids;
  for (size_t i = 0; i < cameras.size(); ++i) {
    ids += (i ? ", " : "") + std::to_string(i) + ": " + cameras[i]->id();
  }
  throw CameraError("no camera at " + uri + " (libcamera " FORESIGHT_LIBCAMERA_VERSION " lists " +
                    std::to_string(cameras.size()) + " camera" + (cameras.size() == 1 ? "" : "s") +
                    (ids.empty() ? "" : ": " + ids) +
                    "; USB cameras also work as v4l2:///dev/videoN)");
}

class LibcameraCamera final : public Camera {
 public:
  LibcameraCamera(std::string uri, const std::string& which) : uri_(std::move(uri)) {
    manager_ = camera_manager();
    camera_ = find_camera(*manager_, uri_, which);
    if (camera_->acquire() != 0) throw CameraError(uri_ + ": the camera is in use elsewhere");
    acquired_ = true;
    try {
      configure();
      start();
    } catch (...) {
      shutdown();
      throw;
    }
  }
  ~LibcameraCamera() override { shutdown(); }

  std::string uri() const override { return uri_; }

  CaptureStatus capture(CapturedFrame& out, std::chrono::milliseconds timeout) override {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!cv_.wait_for(lock, timeout, [&] { return failed_ || fresh_; })) {
      return CaptureStatus::timeout;
    }
    if (failed_) return CaptureStatus::error;
    fresh_ = false;
    out.rgb = latest_;  // a new Mat is made per frame, so sharing it is safe
    out.seq = ++count_;
    out.timestamp_ns = latest_ns_;
    return CaptureStatus::ok;
  }

 private:
  void configure() {
    config_ = camera_->generateConfiguration({lc::StreamRole::Viewfinder});
    if (!config_ || config_->empty()) throw CameraError(uri_ + ": no viewfinder stream");
    lc::StreamConfiguration& cfg = config_->at(0);
    lc::PixelFormat chosen;
    if (!choose_format(cfg, chosen, format_)) {
      throw CameraError(uri_ + ": no supported pixel format (offers " + cfg.toString() + ")");
    }
    cfg.pixelFormat = chosen;
    cfg.size = {640, 480};  // the model wants 64x64: a small mode is plenty and cheap
    if (config_->validate() == lc::CameraConfiguration::Invalid ||
        !raw_pixel_format_from_fourcc(fourcc_string(cfg.pixelFormat), format_)) {
      throw CameraError(uri_ + ": the camera rejects " + cfg.toString());
    }
    if (camera_->configure(config_.get()) != 0) {
      throw CameraError(uri_ + ": cannot configure " + cfg.toString());
    }
    stream_ = cfg.stream();
    width_ = static_cast<int>(cfg.size.width);
    height_ = static_cast<int>(cfg.size.height);
    stride_ = cfg.stride;
    spdlog::info("camera {}: {} ({}), {} buffers", uri_, camera_->id(), cfg.toString(),
                 cfg.bufferCount);
  }

  void start() {
    allocator_ = std::make_unique<lc::FrameBufferAllocator>(camera_);
    if (allocator_->allocate(stream_) < 0) throw CameraError(uri_ + ": cannot allocate buffers");
    for (const auto& buffer : allocator_->buffers(stream_)) {
      map_buffer(*buffer);
      auto request = camera_->createRequest();
      if (!request || request->addBuffer(stream_, buffer.get()) != 0) {
        throw CameraError(uri_ + ": cannot create a capture request");
      }
      requests_.push_back(std::move(request));
    }
    camera_->requestCompleted.connect(this, &LibcameraCamera::on_request_completed);
    if (camera_->start() != 0) throw CameraError(uri_ + ": the camera does not start");
    started_ = true;
    for (auto& request : requests_) {
      if (camera_->queueRequest(request.get()) != 0) {
        throw CameraError(uri_ + ": cannot queue a capture request");
      }
    }
  }

  // Planes of one buffer usually share a dmabuf at different offsets: map each fd once, whole.
  void map_buffer(const lc::FrameBuffer& buffer) {
    std::map<int, size_t> extent;
    for (const auto& plane : buffer.planes()) {
      const int fd = plane.fd.get();  // SharedFD (0.0.x and later)
      extent[fd] = std::max(extent[fd], static_cast<size_t>(plane.offset) + plane.length);
    }
    for (const auto& [fd, length] : extent) {
      if (mappings_.count(fd)) continue;
      void* address = mmap(nullptr, length, PROT_READ, MAP_SHARED, fd, 0);
      if (address == MAP_FAILED) throw CameraError(uri_ + ": cannot map a frame buffer");
      mappings_[fd] = {static_cast<const uint8_t*>(address), length};
    }
  }

  // On libcamera's thread: convert, keep as the newest frame, hand the buffer back.
  void on_request_completed(lc::Request* request) {
    if (request->status() == lc::Request::RequestCancelled) return;
    const lc::FrameBuffer* buffer = request->buffers().begin()->second;
    const auto& plane = buffer->planes().front();
    const auto& map = mappings_.at(plane.fd.get());
    size_t used = 0;
    for (const auto& p : buffer->metadata().planes()) used += p.bytesused;
    const size_t available = map.second - plane.offset;
    try {
      cv::Mat rgb =
          raw_to_rgb(format_, map.first + plane.offset,
                     format_ == RawPixelFormat::mjpeg ? std::min(used, available) : available,
                     width_, height_, stride_);
      std::lock_guard<std::mutex> lock(mutex_);
      latest_ = std::move(rgb);
      latest_ns_ = wall_clock_ns();
      fresh_ = true;
    } catch (const std::exception& e) {
      spdlog::warn("camera {}: frame dropped: {}", uri_, e.what());
    }
    cv_.notify_all();
    request->reuse(lc::Request::ReuseBuffers);
    if (camera_->queueRequest(request) != 0) {
      std::lock_guard<std::mutex> lock(mutex_);
      failed_ = true;
      cv_.notify_all();
    }
  }

  void shutdown() {
    if (started_) camera_->stop();
    started_ = false;
    if (camera_) camera_->requestCompleted.disconnect(this);
    requests_.clear();
    if (allocator_ && stream_) allocator_->free(stream_);
    allocator_.reset();
    for (const auto& [fd, map] : mappings_) munmap(const_cast<uint8_t*>(map.first), map.second);
    mappings_.clear();
    if (acquired_) camera_->release();
    acquired_ = false;
    camera_.reset();
  }

  std::string uri_;
  std::shared_ptr<lc::CameraManager> manager_;  // outlives camera_ (declared first)
  std::shared_ptr<lc::Camera> camera_;
  std::unique_ptr<lc::CameraConfiguration> config_;
  std::unique_ptr<lc::FrameBufferAllocator> allocator_;
  std::vector<std::unique_ptr<lc::Request> > requests_;
  std::map<int, std::pair<const uint8_t*, size_t> > mappings_;
  lc::Stream* stream_ = nullptr;
  RawPixelFormat format_ = RawPixelFormat::rgb888;
  int width_ = 0, height_ = 0;
  size_t stride_ = 0;
  bool acquired_ = false, started_ = false;

  std::mutex mutex_;
  std::condition_variable cv_;
  cv::Mat latest_;
  uint64_t latest_ns_ = 0;
  bool fresh_ = false, failed_ = false;
  uint64_t count_ = 0;
};

}  // namespace

std::unique_ptr<Camera> open_libcamera(const std::string& uri, const std::string& which,
                                       const CameraOptions&) {
  return std::make_unique<LibcameraCamera>(uri, which.empty() ? "0" : which);
}

#endif

}  // namespace foresight::camera_detail

// The meeting point between the prediction pipeline and its viewers: for each view (camera,
// prediction, uncertainty, pose, sidebyside) it keeps only the latest JPEG, with a sequence
// number, so a slow viewer gets fewer frames, never a backlog, and memory stays flat
// (ustreamer's design). Also holds the daemon's counters for /metrics and the online PSNR series.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace foresight {

struct ViewFrame {
  uint64_t seq = 0;                                  // increases with every publish to this view
  std::shared_ptr<const std::vector<uint8_t>> jpeg;  // immutable once published
};

struct PsnrPoint {
  uint64_t frame_seq = 0;  // the frame that arrived
  double psnr = 0.0;       // prediction made for it vs the frame itself
  double copy_last_psnr = 0.0;
};

class ViewHub {
 public:
  // Views the daemon publishes; unknown names are rejected by `latest`/`wait_newer`.
  static const std::vector<std::string>& view_names();

  // Replaces the view's latest frame and wakes waiting viewers.
  void publish(const std::string& view, std::vector<uint8_t> jpeg);
  // The latest frame of `view`, or nullopt if none yet. Throws std::invalid_argument for an
  // unknown view.
  std::optional<ViewFrame> latest(const std::string& view) const;
  // Blocks until `view` has a frame with seq > after, or the timeout passes, or close() is called.
  std::optional<ViewFrame> wait_newer(const std::string& view, uint64_t after,
                                      std::chrono::milliseconds timeout) const;
  // Wakes every waiter for shutdown; later waits return at once.
  void close();

  // Online PSNR: keeps the last `capacity` points.
  void add_psnr(const PsnrPoint& p);
  std::vector<PsnrPoint> psnr_history() const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::map<std::string, ViewFrame> views_;
  std::vector<PsnrPoint> psnr_;
  bool closed_ = false;
  static constexpr size_t kPsnrCapacity = 600;
};

}  // namespace foresight

#include "edge/stream/view_hub.hpp"

#include <algorithm>
#include <stdexcept>

namespace foresight {
namespace {

void require_known(const std::string& view) {
  const auto& names = ViewHub::view_names();
  if (std::find(names.begin(), names.end(), view) == names.end()) {
    throw std::invalid_argument("unknown view '" + view + "'");
  }
}

}  // namespace

const std::vector<std::string>& ViewHub::view_names() {
  static const std::vector<std::string> names = {"camera", "prediction", "uncertainty", "pose",
                                                 "sidebyside"};
  return names;
}

void ViewHub::publish(const std::string& view, std::vector<uint8_t> jpeg) {
  require_known(view);
  auto bytes = std::make_shared<const std::vector<uint8_t>>(std::move(jpeg));
  {
    std::lock_guard<std::mutex> lock(mu_);
    ViewFrame& slot = views_[view];
    slot.seq += 1;
    slot.jpeg = std::move(bytes);
  }
  cv_.notify_all();
}

std::optional<ViewFrame> ViewHub::latest(const std::string& view) const {
  require_known(view);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = views_.find(view);
  if (it == views_.end()) return std::nullopt;
  return it->second;
}

std::optional<ViewFrame> ViewHub::wait_newer(const std::string& view, uint64_t after,
                                             std::chrono::milliseconds timeout) const {
  require_known(view);
  std::unique_lock<std::mutex> lock(mu_);
  auto newer = [&]() -> const ViewFrame* {
    auto it = views_.find(view);
    return it != views_.end() && it->second.seq > after ? &it->second : nullptr;
  };
  cv_.wait_for(lock, timeout, [&] { return closed_ || newer() != nullptr; });
  if (const ViewFrame* f = newer()) return *f;
  return std::nullopt;
}

void ViewHub::close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

void ViewHub::add_psnr(const PsnrPoint& p) {
  std::lock_guard<std::mutex> lock(mu_);
  // A flat vector trimmed in chunks: history is read far less often than it is appended to.
  psnr_.push_back(p);
  if (psnr_.size() > 2 * kPsnrCapacity) {
    psnr_.erase(psnr_.begin(), psnr_.end() - kPsnrCapacity);
  }
}

std::vector<PsnrPoint> ViewHub::psnr_history() const {
  std::lock_guard<std::mutex> lock(mu_);
  const size_t n = std::min(psnr_.size(), kPsnrCapacity);
  return {psnr_.end() - static_cast<std::ptrdiff_t>(n), psnr_.end()};
}

}  // namespace foresight

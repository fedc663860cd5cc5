// Internal to edge/net: the state the telemetry server and its connections share — options, the
// session, the connection registry, and one step's predictions encoded once for all clients.
#pragma once
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "edge/net/telemetry_server.hpp"
#include "edge/stream/edge_metrics.hpp"

namespace foresight::net_detail {

class TelemetryConnection;

struct EncodedImage {
  uint32_t k = 1;
  int32_t sample = 0;
  std::shared_ptr<const std::string> binary;  // the PREDICTION message in binary mode
  std::shared_ptr<const std::string> json;    // as a JSON line; null when no client speaks JSON
};

struct EncodedResult {
  uint64_t group = 0;   // unique per step: its predictions are queued and shed as one group
  uint64_t source = 0;  // connection id of the step's sender
  int samples = 1;
  std::vector<EncodedImage> images;
};

struct ServerCore {
  ServerCore(TelemetryServerOptions o, PredictionSession& s, EdgeMetrics* m)
      : options(std::move(o)), session(s), metrics(m) {}

  const TelemetryServerOptions options;
  PredictionSession& session;
  EdgeMetrics* const metrics;
  nlohmann::json metadata;  // METADATA's object: the model's metadata plus "stream"

  std::atomic<uint64_t> out_seq{0};      // header seq of daemon -> client messages
  std::atomic<int> json_connections{0};  // whether JSON encodings are worth making
  std::atomic<bool> stopped{false};

  mutable std::mutex mu;
  std::map<uint64_t, std::weak_ptr<TelemetryConnection>> connections;
  uint64_t next_id = 1;  // 0 means "no connection" (a local camera) in StepResult::source

  uint64_t next_out_seq() { return out_seq.fetch_add(1, std::memory_order_relaxed) + 1; }
  void bump(std::atomic<uint64_t> EdgeMetrics::*counter, uint64_t n = 1) {
    if (metrics) (metrics->*counter).fetch_add(n, std::memory_order_relaxed);
  }
  void remove(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu);
    connections.erase(id);
  }
  std::vector<std::shared_ptr<TelemetryConnection>> live_connections() const {
    std::vector<std::shared_ptr<TelemetryConnection>> out;
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& [id, weak] : connections) {
      if (auto c = weak.lock()) out.push_back(std::move(c));
    }
    return out;
  }
};

}  // namespace foresight::net_detail

// The daemon's HTTP side for people and dashboards (Boost.Beast, asynchronous, on the same
// io_context as the telemetry server): /healthz, /snapshot.jpg?view=V, /stream.mjpg?view=V
// (multipart/x-mixed-replace, Content-Length per part, latest frame only: a slow browser skips
// frames instead of queueing them), /metrics (Prometheus text), /psnr.json (the online PSNR
// series) and / (a page with the live views and a PSNR chart). Views: ViewHub::view_names().
// With a token (the telemetry port's --token), everything but /healthz answers 401 without it.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace boost::asio {
class io_context;
}

namespace foresight {

class ViewHub;
class EdgeMetrics;

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;          // 0 picks a free port
  std::size_t max_streams = 32;  // concurrent /stream.mjpg clients
  // When set, every request but /healthz must carry it: ?token=T or "Authorization: Bearer T"
  // (401 otherwise). The page passes on the token of its own URL.
  std::string token;
  std::chrono::milliseconds write_timeout{10000};    // a client that takes nothing is closed
  std::chrono::milliseconds request_timeout{30000};  // for reading a request
};

class HttpServer {
 public:
  // Binds and listens at once; serves after start(). `hub` and `metrics` (may be null) must
  // outlive the server and every thread running `io`. Throws std::runtime_error naming
  // ADDRESS:PORT when it cannot listen.
  HttpServer(boost::asio::io_context& io, HttpServerOptions options, ViewHub& hub,
             EdgeMetrics* metrics = nullptr);
  ~HttpServer();  // stops
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const;
  void start();
  // Closes the listener and every stream; joins the view watchers. Thread-safe, idempotent.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// The HTML of "/" (static: the page polls /psnr.json and embeds the MJPEG streams).
const std::string& http_index_page();

}  // namespace foresight

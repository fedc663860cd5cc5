// The daemon's telemetry port: a Boost.Asio TCP server (asynchronous, one strand per connection,
// run by however many threads run the io_context; no thread per client). Each connection speaks
// binary or JSON lines, chosen by its first byte (docs/protocol.md). Steps go to the
// PredictionSession; each result comes back as PREDICTION messages to the client that sent the
// step and to every client that SUBSCRIBEd. Every connection has a bounded outgoing queue that
// sheds its oldest predictions when the client does not read; protocol errors are answered with
// ERROR (fatal ones then close that connection only); silent clients are closed after a timeout.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/protocol/messages.hpp"

namespace boost::asio {
class io_context;
}

namespace foresight {

class PredictionSession;
class EdgeMetrics;
struct StepResult;

struct TelemetryServerOptions {
  std::string address = "127.0.0.1";  // loopback unless asked: the protocol has no encryption
  uint16_t port = 7070;               // 0 picks a free port (see TelemetryServer::port)
  std::string token;                  // when set, a client must send HELLO with it first
  std::size_t max_message_bytes = kDefaultMaxMessageBytes;
  // A client that sends nothing for this long is closed (a subscribed viewer may stay silent).
  std::chrono::milliseconds idle_timeout{60000};
  // A client that has not taken a queued message for this long is closed.
  std::chrono::milliseconds write_timeout{10000};
  std::size_t max_queued_predictions = 32;  // per connection
  std::size_t max_connections = 64;
  int send_buffer_bytes = 0;       // SO_SNDBUF of client sockets; 0 = the system's
  bool frames_from_socket = true;  // false: a local camera supplies frames, FRAME is refused
  // Pose models: false when a local label camera supplies the pose images (label FRAMEs refused).
  bool labels_from_socket = true;
};

struct TelemetryServerStats {
  std::size_t connections = 0;
  std::size_t queued_messages = 0;  // over all connections
  std::size_t queued_bytes = 0;
};

class TelemetryServer {
 public:
  // Binds and listens at once (so port() is known); accepts after start(). `session` (and
  // `metrics`, if given) must outlive every thread running `io`. Throws std::runtime_error naming
  // ADDRESS:PORT when the address is invalid or the port cannot be bound.
  TelemetryServer(boost::asio::io_context& io, TelemetryServerOptions options,
                  PredictionSession& session, EdgeMetrics* metrics = nullptr);
  ~TelemetryServer();
  TelemetryServer(const TelemetryServer&) = delete;
  TelemetryServer& operator=(const TelemetryServer&) = delete;

  // The bound port (the chosen one when options.port was 0).
  uint16_t port() const;
  // Starts accepting connections (asynchronously, on `io`).
  void start();
  // Closes the listening socket and every connection; thread-safe, idempotent.
  void stop();
  // Queues `result`'s predictions to its sender and every subscriber; thread-safe (the session's
  // worker calls it) and non-blocking.
  void deliver(const StepResult& result);
  // Approximate, for tests and /metrics.
  TelemetryServerStats stats() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace foresight

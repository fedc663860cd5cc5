// An in-process daemon for tests: the tiny model, a session, and the telemetry server on an
// ephemeral loopback port, run by one io thread.
#pragma once
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <thread>

#include "edge/net/telemetry_server.hpp"
#include "edge/runtime/predictor.hpp"
#include "edge/session/prediction_session.hpp"
#include "edge/stream/edge_metrics.hpp"
#include "edge/stream/view_hub.hpp"
#include "tiny_model.hpp"

namespace foresight::testing {

class ServerHarness {
 public:
  explicit ServerHarness(TelemetryServerOptions options = {}, SessionOptions session_options = {},
                         TinyModelSpec spec = {}, const std::string& ext = ".ptl")
      : ServerHarness(tiny_model(ext, spec), options, session_options) {}
  // Serves the model file `model` (for example tiny_pose_model(".ptl")).
  ServerHarness(const std::filesystem::path& model, TelemetryServerOptions options,
                SessionOptions session_options) {
    options.address = "127.0.0.1";
    options.port = 0;
    if (session_options.seed == 0) session_options.seed = 9;
    session =
        std::make_unique<PredictionSession>(load_predictor(model), session_options, &hub, &metrics);
    server = std::make_unique<TelemetryServer>(io, options, *session, &metrics);
    session->start([this](const StepResult& r) { server->deliver(r); });
    server->start();
    thread = std::thread([this] { io.run(); });
  }
  ~ServerHarness() {
    session->stop();
    server->stop();
    guard.reset();
    io.stop();
    thread.join();
  }
  uint16_t port() const { return server->port(); }

  ViewHub hub;
  EdgeMetrics metrics;
  std::unique_ptr<PredictionSession> session;
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard =
      boost::asio::make_work_guard(io);
  std::unique_ptr<TelemetryServer> server;
  std::thread thread;
};

}  // namespace foresight::testing

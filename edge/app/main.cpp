// `foresight-edge`: the on-robot daemon. Parses flags (or a config file), loads the model, wires
// camera -> session -> telemetry server / HTTP views, and runs until SIGINT/SIGTERM.
// Serves telemetry-conditioned (SVG) and pose-conditioned models alike; the model's metadata says
// which, and so what each step needs. Exit codes: 0 clean shutdown, 2 usage, 3 bad model file,
// 1 anything else.
#include <ATen/Parallel.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <iostream>
#include <thread>

#include "common/protocol/endpoint.hpp"
#include "common/util/exit_codes.hpp"
#include "common/util/host.hpp"
#include "common/util/logging.hpp"
#include "edge/camera/camera.hpp"
#include "edge/camera/camera_feed.hpp"
#include "edge/http/http_server.hpp"
#include "edge/net/telemetry_server.hpp"
#include "edge/runtime/predictor.hpp"
#include "edge/runtime/warm_up.hpp"
#include "edge/session/image_decode.hpp"
#include "edge/session/prediction_session.hpp"
#include "edge/stream/edge_metrics.hpp"
#include "edge/stream/view_hub.hpp"

namespace {

using foresight::kExitBadData;
using foresight::kExitFailure;
using foresight::kExitOk;
using foresight::kExitUsage;

struct Flags {
  std::string model;
  std::string camera = "socket";
  std::string label_camera = "socket";
  std::string telemetry = "tcp://127.0.0.1:7070";
  std::string http = "127.0.0.1:8080";
  int threads = 0;
  int io_threads = 1;
  int samples = 1;
  int horizon = 16;
  std::string device = "cpu";
  std::string token;
  std::string encoding = "png";
  std::size_t max_message_bytes = foresight::kDefaultMaxMessageBytes;
  double fps = 10.0;
  bool loop = false;
  double idle_timeout_s = 60.0;
  uint64_t seed = 0;
  double noise_scale = -1.0;  // < 0: the model's own (metadata noise_scale)
  int state_window = -1;      // < 0: from the model's training sequence length
  uint64_t max_frame_pixels = foresight::kDefaultMaxFramePixels;
  std::size_t max_streams = 32;
  std::string log_level = "info";
};

// Thrown for flag values CLI11 cannot judge alone (addresses, encodings): exit code 2.
struct UsageError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

void add_flags(CLI::App& app, Flags& f) {
  app.set_config("--config", "", "Read flags from an INI/TOML file (command line wins)");
  // A misspelt key ("telemetery = ...") is an error, not a silently ignored line.
  app.allow_config_extras(CLI::config_extras_mode::error);
  // No ExistingFile check: a missing model is exit code 3 like any other bad model file.
  app.add_option("--model", f.model, "Exported model: .ptl (lite interpreter) or .pt")->required();
  app.add_option("--camera", f.camera,
                 "Frame source: socket (frames arrive on the telemetry connection), "
                 "file://FOLDER_OR_VIDEO, v4l2:///dev/videoN")
      ->capture_default_str();
  app.add_option("--label-camera", f.label_camera,
                 "Pose models: where pose images come from. socket (FRAME messages of kind "
                 "label), or a camera URI showing the pose of each camera frame (same seq)")
      ->capture_default_str();
  app.add_option("--telemetry", f.telemetry, "Telemetry listen address tcp://ADDR:PORT")
      ->capture_default_str();
  app.add_option("--http", f.http, "HTTP views listen address ADDR:PORT, or 'off'")
      ->capture_default_str();
  app.add_option("--threads", f.threads, "LibTorch intra-op threads (0 = all cores)")
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();
  app.add_option("--io-threads", f.io_threads, "Network threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--samples", f.samples, "Latent samples per step (mean and std when > 1)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--horizon", f.horizon, "Longest rollout under a PLAN (frames)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--state-window", f.state_window,
                 "Restart the recurrent state from the last observed frames every N frames "
                 "(0: never; default: from the model's training sequence length)")
      ->check(CLI::Range(-1, 1000000));
  app.add_option("--device", f.device, "cpu or cuda (cuda needs a .pt model)")
      ->check(CLI::IsMember({"cpu", "cuda"}))
      ->capture_default_str();
  app.add_option("--token", f.token,
                 "Shared secret: telemetry clients send it in HELLO, HTTP clients as ?token=... "
                 "(all but /healthz)");
  app.add_option("--encoding", f.encoding, "PREDICTION image encoding")
      ->check(CLI::IsMember({"png", "jpeg"}))
      ->capture_default_str();
  app.add_option("--max-message-bytes", f.max_message_bytes,
                 "Largest protocol message or JSON line accepted")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 30))
      ->capture_default_str();
  app.add_option("--max-frame-pixels", f.max_frame_pixels,
                 "Largest camera or pose image accepted (width x height, read from the image's "
                 "header before decoding)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 32))
      ->capture_default_str();
  app.add_option("--max-streams", f.max_streams, "Concurrent MJPEG viewers on the HTTP port")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}))
      ->capture_default_str();
  app.add_option("--fps", f.fps, "Replay rate of a file:// camera")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_flag("--loop", f.loop, "Replay a file:// camera forever");
  app.add_option("--idle-timeout", f.idle_timeout_s,
                 "Seconds before a telemetry client that sends nothing is closed")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--seed", f.seed, "Latent noise seed (0 = random)");
  app.add_option(
         "--noise-scale", f.noise_scale,
         "Latent noise multiplier (default: the model's; pose models were evaluated at 0.5)")
      ->check(CLI::Range(0.0, 100.0));
  app.add_option("--log-level", f.log_level, "trace|debug|info|warn|error|off")
      ->capture_default_str();
}

// The configuration as it will run, one flag per line (the first thing to paste in a bug report).
void print_effective_config(const Flags& f, const foresight::Predictor& p, double noise_scale,
                            int state_window) {
  const auto& m = p.metadata();
  std::cout << "foresight-edge effective configuration:\n"
            << "  model             " << f.model << " (" << p.runtime() << " runtime, " << m.family
            << " conditioned on " << m.condition_kind << ", prior " << m.prior << ", "
            << m.frame_width() << "x" << m.frame_height() << ", n_past " << m.n_past
            << ", val PSNR " << m.val_psnr << " dB, written by torch " << m.torch_version << ")\n"
            << "  camera            " << f.camera << "\n"
            << "  label-camera      " << (m.pose_conditioned() ? f.label_camera : "(unused)")
            << "\n"
            << "  noise-scale       " << noise_scale << "\n"
            << "  telemetry         " << f.telemetry << "\n"
            << "  http              " << f.http << "\n"
            << "  threads           " << at::get_num_threads() << " (intra-op), " << f.io_threads
            << " io\n"
            << "  samples           " << f.samples << "\n"
            << "  horizon           " << f.horizon << "\n"
            << "  state-window      " << state_window
            << (state_window == 0 ? " (never restarts)" : " frames") << "\n"
            << "  device            " << f.device << "\n"
            << "  encoding          " << f.encoding << "\n"
            << "  token             " << (f.token.empty() ? "(none)" : "(set)") << "\n"
            << "  max-message-bytes " << f.max_message_bytes << "\n"
            << "  max-frame-pixels  " << f.max_frame_pixels << "\n"
            << "  max-streams       " << f.max_streams << "\n"
            << "  fps               " << f.fps << (f.loop ? " (loop)" : "") << "\n"
            << "  idle-timeout      " << f.idle_timeout_s << " s\n"
            << "  log-level         " << f.log_level << std::endl;
}

int run(const Flags& f) {
  using namespace foresight;
  const HostPort telemetry = [&] {
    try {
      return parse_host_port(f.telemetry, "tcp");
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--telemetry ") + e.what());
    }
  }();
  std::optional<HostPort> http;
  if (f.http != "off") {
    try {
      http = parse_host_port(f.http, "http");
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--http ") + e.what());
    }
  }
  at::set_num_threads(foresight::thread_count(f.threads));

  std::shared_ptr<Predictor> predictor = load_predictor(f.model, f.device);
  const ModelMetadata& meta = predictor->metadata();
  if (!meta.pose_conditioned() && f.label_camera != "socket") {
    throw UsageError("--label-camera is for pose-conditioned models; " + f.model +
                     " is conditioned on " + meta.condition_kind);
  }
  if (meta.pose_conditioned() && (f.camera == "socket") != (f.label_camera == "socket")) {
    // A local capture counter and a robot's seq number do not name the same steps.
    throw UsageError("--camera " + f.camera + " and --label-camera " + f.label_camera +
                     ": a pose model takes both from the socket or both from local cameras");
  }
  const double noise_scale = f.noise_scale >= 0 ? f.noise_scale : meta.noise_scale;
  const int state_window = f.state_window >= 0 ? f.state_window : default_state_window(meta);
  print_effective_config(f, *predictor, noise_scale, state_window);
  spdlog::info("model warmed up in {:.0f} ms", warm_up(*predictor, f.samples));

  CameraOptions camera_options;
  camera_options.fps = f.fps;
  camera_options.loop = f.loop;
  std::unique_ptr<Camera> camera = open_camera(f.camera, camera_options);
  std::unique_ptr<Camera> label_camera = open_camera(f.label_camera, camera_options);

  ViewHub hub;
  EdgeMetrics metrics;
  SessionOptions so;
  so.samples = f.samples;
  so.max_horizon = f.horizon;
  so.encoding = f.encoding == "jpeg" ? ImageEncoding::jpeg : ImageEncoding::png;
  so.seed = f.seed;
  so.noise_scale = noise_scale;
  so.state_window = state_window;
  so.max_frame_pixels = f.max_frame_pixels;
  // A local camera's frames carry no sender: every sender's parts pair with them in one stream.
  so.pair_per_sender = camera == nullptr && label_camera == nullptr;
  PredictionSession session(predictor, so, &hub, &metrics);

  boost::asio::io_context io;
  TelemetryServerOptions to;
  to.address = telemetry.host;
  to.port = telemetry.port;
  to.token = f.token;
  to.max_message_bytes = f.max_message_bytes;
  to.idle_timeout = std::chrono::milliseconds(static_cast<int64_t>(f.idle_timeout_s * 1000));
  to.frames_from_socket = camera == nullptr;
  to.labels_from_socket = label_camera == nullptr;  // an SVG model's session refuses labels
  TelemetryServer server(io, to, session, &metrics);
  std::unique_ptr<HttpServer> http_server;
  if (http) {
    HttpServerOptions ho;
    ho.address = http->host;
    ho.port = http->port;
    ho.token = f.token;
    ho.max_streams = f.max_streams;
    http_server = std::make_unique<HttpServer>(io, ho, hub, &metrics);
  }

  session.start([&server](const StepResult& r) { server.deliver(r); });
  server.start();
  if (http_server) http_server->start();
  std::unique_ptr<CameraFeed> feed;
  if (camera) feed = std::make_unique<CameraFeed>(std::move(camera), session);
  std::unique_ptr<CameraFeed> label_feed;
  if (label_camera) {
    label_feed = std::make_unique<CameraFeed>(std::move(label_camera), session, FrameKind::label);
  }
  spdlog::info("listening: telemetry {}:{}{}", telemetry.host, server.port(),
               http_server ? fmt::format(", http http://{}:{}/", http->host, http_server->port())
                           : std::string());

  auto guard = boost::asio::make_work_guard(io);
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("{}: shutting down", signal == SIGINT ? "SIGINT" : "SIGTERM");
    server.stop();
    hub.close();  // wakes the HTTP view watchers
    if (http_server) http_server->stop();
    guard.reset();
    io.stop();
  });

  std::vector<std::thread> pool;
  for (int i = 1; i < f.io_threads; ++i) pool.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  if (feed) feed->stop();
  if (label_feed) label_feed->stop();
  session.stop();
  spdlog::info(
      "stopped: {} frames in, {} pose images in, {} steps predicted, {} dropped, {} "
      "predictions out",
      metrics.frames_in.load(), metrics.labels_in.load(), metrics.steps_predicted.load(),
      metrics.dropped.load(), metrics.predictions_out.load());
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"foresight-edge: live action-conditioned video prediction on the robot"};
  Flags flags;
  add_flags(app, flags);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  try {
    foresight::setup_logging(flags.log_level);
  } catch (const std::invalid_argument& e) {
    std::cerr << "--log-level: " << e.what() << "\n";
    return kExitUsage;
  }
  try {
    return run(flags);
  } catch (const UsageError& e) {
    spdlog::error("{}", e.what());
    return kExitUsage;
  } catch (const foresight::ModelLoadError& e) {
    spdlog::error("{}", e.what());
    return kExitBadData;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return kExitFailure;
  }
}

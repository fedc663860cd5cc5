// `foresight sim`: a robot stand-in for the edge daemon. Runs a synthetic world live at --fps —
// the pushing world for a telemetry model, the dance world for a pose model (trainer/sim/) —
// streams each step to `foresight-edge` (FRAME as PNG + TELEMETRY, or + the next pose as a label
// FRAME, with the same seq; a PLAN of the operator's next K steps when asked), and scores every
// 1-step prediction against the frame that actually came next, beside the copy-last baseline.
#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <thread>

#include "common/metrics/image_metrics.hpp"
#include "common/model/model_metadata.hpp"
#include "common/protocol/binary_codec.hpp"
#include "common/protocol/endpoint.hpp"
#include "common/util/atomic_file.hpp"
#include "common/util/host.hpp"
#include "common/util/image_tensor.hpp"
#include "trainer/cli/commands.hpp"
#include "trainer/sim/live_world.hpp"

namespace foresight::cli {

void add_sim_command(CLI::App& app);

namespace {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct SimOptions {
  std::string edge;
  int frames = 100;
  double fps = 10.0;
  uint64_t seed = 1;
  double actuation_noise = 0;
  int plan = 0;
  std::string json_out;
  std::string token;
};

struct SimScore {
  int sent = 0;
  int predictions = 0;  // PREDICTION messages received
  int scored = 0;       // 1-step predictions compared with the frame that came next
  double psnr_sum = 0, copy_sum = 0;
  double elapsed_s = 0;  // first step sent .. last prediction received (or gave up waiting)
};

class EdgeLink {
 public:
  explicit EdgeLink(const std::string& edge) : socket_(io_), decoder_(std::size_t{64} << 20) {
    HostPort address;
    try {
      address = parse_host_port(edge, "tcp");
    } catch (const std::invalid_argument& e) {
      throw CLI::ValidationError("--edge", e.what());
    }
    try {
      tcp::resolver resolver(io_);
      asio::connect(socket_, resolver.resolve(address.host, std::to_string(address.port)));
    } catch (const boost::system::system_error& e) {
      throw std::runtime_error("sim: cannot connect to " + edge + ": " + e.code().message());
    }
    socket_.set_option(tcp::no_delay(true));
  }

  void send(const Envelope& env) { asio::write(socket_, asio::buffer(encode(env))); }

  // Every complete message received so far, without blocking. Throws when the daemon closed.
  std::vector<Envelope> poll() {
    std::array<uint8_t, 65536> buf{};
    while (socket_.available() > 0) {
      const std::size_t n = socket_.read_some(asio::buffer(buf));
      decoder_.feed(buf.data(), n);
    }
    if (socket_.available() == 0) check_open();
    std::vector<Envelope> out;
    while (auto m = decoder_.next()) out.push_back(std::move(*m));
    return out;
  }

 private:
  // available() is 0 both when idle and when the peer closed; a non-blocking peek tells them apart.
  void check_open() {
    socket_.non_blocking(true);
    std::array<uint8_t, 1> probe{};
    boost::system::error_code ec;
    socket_.receive(asio::buffer(probe), tcp::socket::message_peek, ec);
    socket_.non_blocking(false);
    if (ec == asio::error::would_block || ec == asio::error::try_again || !ec) return;
    throw std::runtime_error("sim: the edge daemon closed the connection (" + ec.message() + ")");
  }

  asio::io_context io_;
  tcp::socket socket_;
  StreamDecoder decoder_;
};

class Simulation {
 public:
  explicit Simulation(const SimOptions& o) : opt_(o), link_(o.edge) {}

  SimScore run() {
    handshake();
    std::unique_ptr<LiveWorld> world = make_live_world(shape_, opt_.seed, opt_.actuation_noise);
    const auto period =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / opt_.fps));
    const auto start = Clock::now();
    auto due = start;
    for (int i = 0; i < opt_.frames; ++i) {
      const uint64_t seq = static_cast<uint64_t>(i) + 1;
      std::this_thread::sleep_until(due);
      due += period;
      send_step(*world, seq);
      world->advance();
      handle(link_.poll());
    }
    // The last predictions are still on their way.
    const auto deadline = Clock::now() + std::chrono::seconds(2);
    while (Clock::now() < deadline && last_prediction_seq_ < static_cast<uint64_t>(opt_.frames)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      handle(link_.poll());
    }
    score_.elapsed_s = std::chrono::duration<double>(last_prediction_at_ - start).count();
    link_.send({{0, wall_clock_ns(), 0}, Bye{}});
    return score_;
  }

 private:
  void handshake() {
    Hello hello;
    hello.client_name = "foresight-sim";
    hello.token = opt_.token;
    link_.send({{0, wall_clock_ns(), 0}, hello});
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline) {
      for (const Envelope& m : link_.poll()) {
        if (const auto* e = std::get_if<ErrorMessage>(&m.body)) {
          throw std::runtime_error("sim: the daemon refused HELLO: " + to_string(e->code) + ": " +
                                   e->message);
        }
        if (const auto* meta = std::get_if<Metadata>(&m.body)) {
          const nlohmann::json& model = meta->model;
          // The model file's metadata, read by its one definition (model_metadata.hpp).
          const auto about = model.get<ModelMetadata>();
          shape_.condition_kind = about.condition_kind;
          shape_.width = about.frame_width();
          shape_.height = about.frame_height();
          shape_.action_dim = about.action_dim;
          shape_.position_dim = about.position_dim;
          if (model.contains("stream")) samples_ = model["stream"].value("samples", 1);
          if (shape_.condition_kind == "pose" && opt_.plan > 0) {
            throw std::runtime_error(
                "sim: --plan is for telemetry models; this one is "
                "conditioned on pose images");
          }
          spdlog::info(
              "sim: connected to {} ({}x{} model conditioned on {}, {} sample(s)); {} "
              "frames at {} fps",
              opt_.edge, shape_.width, shape_.height, shape_.condition_kind, samples_, opt_.frames,
              opt_.fps);
          return;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw std::runtime_error("sim: no METADATA from " + opt_.edge + " within 10 s");
  }

  void send_step(const LiveWorld& world, uint64_t seq) {
    const uint64_t ts = wall_clock_ns();
    frames_[seq] = world.frame();
    for (Message& m : world.step_messages(opt_.plan)) link_.send({{seq, ts, 0}, std::move(m)});
    ++score_.sent;
    score_pending();
  }

  void handle(const std::vector<Envelope>& messages) {
    for (const Envelope& m : messages) {
      if (const auto* e = std::get_if<ErrorMessage>(&m.body)) {
        spdlog::warn("sim: daemon error {}: {}", to_string(e->code), e->message);
        continue;
      }
      const auto* p = std::get_if<Prediction>(&m.body);
      if (!p) continue;
      ++score_.predictions;
      last_prediction_at_ = Clock::now();
      last_prediction_seq_ = std::max(last_prediction_seq_, p->frame_seq);
      const int32_t wanted = samples_ > 1 ? Prediction::kMeanSample : 0;
      if (p->k != 1 || p->sample != wanted) continue;
      cv::Mat bgr = cv::imdecode(p->image.bytes, cv::IMREAD_COLOR);
      if (bgr.empty()) continue;
      cv::Mat rgb;
      cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
      predicted_[p->frame_seq + 1] = rgb;  // the frame it predicts
    }
    score_pending();
  }

  // Scores each prediction once the frame it predicts has been rendered.
  void score_pending() {
    for (auto it = predicted_.begin(); it != predicted_.end();) {
      const uint64_t seq = it->first;
      auto now = frames_.find(seq);
      auto before = frames_.find(seq - 1);
      if (now == frames_.end() || before == frames_.end()) {
        ++it;
        continue;
      }
      if (it->second.size() != now->second.size()) {
        it = predicted_.erase(it);
        continue;
      }
      const at::Tensor truth = rgb_to_tensor(now->second);
      const double model = psnr(rgb_to_tensor(it->second), truth);
      const double copy = psnr(rgb_to_tensor(before->second), truth);
      ++score_.scored;
      score_.psnr_sum += model;
      score_.copy_sum += copy;
      std::cout << fmt::format(
                       "frame {:5d}  psnr {:6.2f} dB  copy-last {:6.2f} dB  |  mean {:6.2f} "
                       "dB  copy-last {:6.2f} dB\n",
                       seq, model, copy, score_.psnr_sum / score_.scored,
                       score_.copy_sum / score_.scored)
                << std::flush;
      it = predicted_.erase(it);
    }
    // Frames older than any prediction still expected are no longer needed.
    while (frames_.size() > 64) frames_.erase(frames_.begin());
  }

  SimOptions opt_;
  EdgeLink link_;
  LiveWorldShape shape_;
  int samples_ = 1;
  std::map<uint64_t, cv::Mat> frames_;     // rendered frames by seq
  std::map<uint64_t, cv::Mat> predicted_;  // 1-step predictions by the seq they predict
  uint64_t last_prediction_seq_ = 0;
  Clock::time_point last_prediction_at_ = Clock::now();
  SimScore score_;
};

}  // namespace

void add_sim_command(CLI::App& app) {
  auto opt = std::make_shared<SimOptions>();
  auto* cmd = app.add_subcommand(
      "sim",
      "Drive a running foresight-edge with a live synthetic world (pushing robot, or the "
      "dancer for a pose model) and score its predictions");
  cmd->add_option("--edge", opt->edge, "The daemon's telemetry address HOST:PORT")->required();
  cmd->add_option("--frames", opt->frames, "Steps to send")
      ->check(CLI::Range(1, 10000000))
      ->capture_default_str();
  cmd->add_option("--fps", opt->fps, "Steps per second")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--seed", opt->seed, "World seed (also the episode id)")->capture_default_str();
  cmd->add_option("--actuation-noise", opt->actuation_noise,
                  "Pushing world: the arm misses its commanded moves, as `data generate "
                  "--actuation-noise`")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--plan", opt->plan,
                  "Send a PLAN of the next K steps with every step (telemetry models)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  cmd->add_option("--json", opt->json_out,
                  "Write {sent, predictions, scored, psnr_mean, copy_last_psnr, elapsed_s, "
                  "predictions_per_s}");
  cmd->add_option("--token", opt->token, "The daemon's --token, if it has one");
  cmd->callback([opt] {
    Simulation sim(*opt);
    const SimScore s = sim.run();
    const double mean = s.scored ? s.psnr_sum / s.scored : 0.0;
    const double copy = s.scored ? s.copy_sum / s.scored : 0.0;
    const double rate = s.elapsed_s > 0 ? s.predictions / s.elapsed_s : 0.0;
    spdlog::info(
        "sim: sent {} steps, received {} predictions ({:.1f}/s); 1-step PSNR {:.2f} dB "
        "over {} frames (copy-last {:.2f} dB)",
        s.sent, s.predictions, rate, mean, s.scored, copy);
    if (!opt->json_out.empty()) {
      nlohmann::json j = {{"sent", s.sent},           {"predictions", s.predictions},
                          {"scored", s.scored},       {"psnr_mean", mean},
                          {"copy_last_psnr", copy},   {"elapsed_s", s.elapsed_s},
                          {"predictions_per_s", rate}};
      write_file_atomically(opt->json_out, j.dump(2) + "\n");
    }
  });
}

}  // namespace foresight::cli

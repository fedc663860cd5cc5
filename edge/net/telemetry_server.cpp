#include "edge/net/telemetry_server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "common/protocol/json_lines.hpp"
#include "edge/net/listener.hpp"
#include "edge/net/server_core.hpp"
#include "edge/net/telemetry_connection.hpp"
#include "edge/session/prediction_session.hpp"

namespace foresight {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using net_detail::EncodedImage;
using net_detail::EncodedResult;
using net_detail::ServerCore;
using net_detail::TelemetryConnection;

struct TelemetryServer::Impl : std::enable_shared_from_this<TelemetryServer::Impl> {
  Impl(asio::io_context& io, std::shared_ptr<ServerCore> c)
      : io(io), acceptor(asio::make_strand(io)), core(std::move(c)) {}

  asio::io_context& io;
  tcp::acceptor acceptor;
  std::shared_ptr<ServerCore> core;
  uint16_t port = 0;
  tcp::endpoint peer;  // of the connection being accepted (one accept at a time)

  void accept() {
    acceptor.async_accept(
        asio::make_strand(io), peer,
        [self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
          self->on_accept(ec, std::move(socket));
        });
  }

  void on_accept(const boost::system::error_code& ec, tcp::socket socket) {
    if (core->stopped.load()) return;
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      spdlog::warn("telemetry: accept failed: {}", ec.message());
      accept();
      return;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);  // predictions are small and latency-bound
    if (core->options.send_buffer_bytes > 0) {
      socket.set_option(asio::socket_base::send_buffer_size(core->options.send_buffer_bytes),
                        ignored);
    }
    std::shared_ptr<TelemetryConnection> conn;
    {
      std::lock_guard<std::mutex> lock(core->mu);
      if (core->connections.size() >= core->options.max_connections) {
        spdlog::warn("telemetry {}:{}: refused: {} connections already open",
                     peer.address().to_string(), peer.port(), core->connections.size());
        socket.close(ignored);
        accept();
        return;
      }
      const uint64_t id = core->next_id++;
      conn = std::make_shared<TelemetryConnection>(std::move(socket), peer, core, id);
      core->connections.emplace(id, conn);
    }
    core->bump(&EdgeMetrics::connections_total);
    core->bump(&EdgeMetrics::connections_open);
    conn->start();
    accept();
  }
};

TelemetryServer::TelemetryServer(asio::io_context& io, TelemetryServerOptions options,
                                 PredictionSession& session, EdgeMetrics* metrics) {
  auto core = std::make_shared<ServerCore>(options, session, metrics);
  core->metadata = nlohmann::json(session.metadata());
  core->metadata["stream"] = session.stream_info();
  impl_ = std::make_shared<Impl>(io, std::move(core));
  impl_->port = listen_on(impl_->acceptor, options.address, options.port, "telemetry");
}

TelemetryServer::~TelemetryServer() { stop(); }

uint16_t TelemetryServer::port() const { return impl_->port; }

void TelemetryServer::start() {
  asio::post(impl_->acceptor.get_executor(), [impl = impl_] { impl->accept(); });
}

void TelemetryServer::stop() {
  if (impl_->core->stopped.exchange(true)) return;
  asio::post(impl_->acceptor.get_executor(), [impl = impl_] {
    boost::system::error_code ignored;
    impl->acceptor.close(ignored);
  });
  for (auto& conn : impl_->core->live_connections()) conn->shut_down("daemon shutting down");
}

void TelemetryServer::deliver(const StepResult& result) {
  ServerCore& core = *impl_->core;
  if (core.stopped.load() || result.images.empty()) return;
  auto encoded = std::make_shared<EncodedResult>();
  encoded->source = result.source;
  encoded->samples = core.session.options().samples;
  const bool json = core.json_connections.load() > 0;
  for (const PredictedImage& p : result.images) {
    Envelope env{{core.next_out_seq(), result.timestamp_ns, 0},
                 Prediction{result.frame_seq, p.k, p.sample, p.image}};
    EncodedImage e;
    e.k = p.k;
    e.sample = p.sample;
    const std::vector<uint8_t> bytes = encode(env);
    e.binary = std::make_shared<const std::string>(bytes.begin(), bytes.end());
    if (json) e.json = std::make_shared<const std::string>(to_json_line(env));
    if (encoded->group == 0) encoded->group = env.header.seq;
    encoded->images.push_back(std::move(e));
  }
  std::shared_ptr<const EncodedResult> shared = std::move(encoded);
  for (auto& conn : core.live_connections()) conn->offer(shared);
}

TelemetryServerStats TelemetryServer::stats() const {
  TelemetryServerStats s;
  for (auto& conn : impl_->core->live_connections()) {
    ++s.connections;
    s.queued_messages += conn->queued_messages();
    s.queued_bytes += conn->queued_bytes();
  }
  return s;
}

}  // namespace foresight

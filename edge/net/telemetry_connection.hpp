// Internal to edge/net: one client of the telemetry port. All its handlers run on its own strand;
// other threads reach it only through start/offer/shut_down, which post onto that strand.
#pragma once
#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <string>

#include "common/protocol/binary_codec.hpp"
#include "common/protocol/json_line_decoder.hpp"
#include "common/protocol/wire_mode.hpp"
#include "edge/net/outgoing_queue.hpp"
#include "edge/net/server_core.hpp"

namespace foresight::net_detail {

class TelemetryConnection : public std::enable_shared_from_this<TelemetryConnection> {
 public:
  using tcp = boost::asio::ip::tcp;
  // `socket` must use a strand executor (accept with make_strand). `peer` is the address the
  // acceptor reported (asking the socket later fails once the peer has reset).
  TelemetryConnection(tcp::socket socket, const tcp::endpoint& peer,
                      std::shared_ptr<ServerCore> core, uint64_t id);

  uint64_t id() const { return id_; }
  const std::string& peer() const { return peer_; }
  std::size_t queued_messages() const { return queued_messages_.load(); }
  std::size_t queued_bytes() const { return queued_bytes_.load(); }

  // Starts reading (posted to the strand).
  void start();
  // Queues the parts of `result` this client wants (posted to the strand).
  void offer(std::shared_ptr<const EncodedResult> result);
  // Closes at once (posted to the strand).
  void shut_down(std::string reason);

 private:
  void read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void process_input();
  void handle(const Envelope& env, const HeaderPresence& present);
  void handle_step_part(const Envelope& env, const HeaderPresence& present);
  uint64_t step_seq(const HeaderPresence& present, uint64_t seq);
  bool wants(const EncodedImage& image, int samples) const;

  void send_control(const Envelope& env);
  void reply_error(ErrorCode code, const std::string& message, uint64_t seq);
  void fail(ErrorCode code, const std::string& message, uint64_t seq);
  std::shared_ptr<const std::string> encode_for_peer(const Envelope& env) const;

  void write_next();
  void on_write(const boost::system::error_code& ec);
  void finish();  // after the last queued byte: FIN, then drain the peer's bytes briefly
  void drain();
  void arm_idle();
  void arm_write_timer();
  void close(const std::string& reason);
  void update_queue_stats();

  tcp::socket socket_;
  std::shared_ptr<ServerCore> core_;
  const uint64_t id_;
  std::string peer_;
  boost::asio::steady_timer idle_timer_;
  boost::asio::steady_timer write_timer_;
  std::array<uint8_t, 64 * 1024> buf_{};

  std::optional<WireMode> mode_;
  std::optional<StreamDecoder> binary_;
  std::optional<JsonLineDecoder> json_;

  ClientRole role_ = ClientRole::sender;
  std::string name_;
  bool hello_ = false;
  bool sent_steps_ = false;
  bool subscribed_ = false;
  Subscribe filter_;
  // JSON lines without "seq" belong to the step being assembled (docs/protocol.md, section 6).
  uint64_t implicit_seq_ = 1;
  bool implicit_has_frame_ = false, implicit_has_label_ = false, implicit_has_telemetry_ = false;

  OutgoingQueue queue_;
  bool closing_ = false;  // no more input is processed; close once the queue is written
  std::string closing_reason_;
  bool draining_ = false;
  bool closed_ = false;
  uint64_t messages_in_ = 0, predictions_out_ = 0, shed_ = 0, errors_sent_ = 0;
  std::atomic<std::size_t> queued_messages_{0}, queued_bytes_{0};
};

}  // namespace foresight::net_detail

#include "edge/net/telemetry_connection.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <chrono>

#include "common/protocol/json_lines.hpp"
#include "common/protocol/validation.hpp"
#include "common/util/host.hpp"
#include "edge/session/prediction_session.hpp"

namespace foresight::net_detail {
namespace asio = boost::asio;
namespace {

// ERROR and METADATA replies a client may leave unread before it counts as not reading at all.
constexpr std::size_t kMaxQueuedControl = 64;
// Errors logged at warn per connection; later ones go to debug so a broken client cannot flood.
constexpr uint64_t kLoggedErrors = 5;
constexpr std::size_t kMaxErrorText = 300;
constexpr std::chrono::milliseconds kDrainTime{500};

std::string peer_name(const asio::ip::tcp::endpoint& ep) {
  const auto addr = ep.address();
  return (addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string()) + ":" +
         std::to_string(ep.port());
}

// Text from the peer (its name, its error messages, our decoders' messages quoting its bytes) as
// one log line: short, valid UTF-8, control bytes escaped.
std::string safe_text(const std::string& text) { return printable_text(text, kMaxErrorText); }

double seconds(std::chrono::milliseconds ms) { return ms.count() / 1000.0; }

}  // namespace

TelemetryConnection::TelemetryConnection(tcp::socket socket, const tcp::endpoint& peer,
                                         std::shared_ptr<ServerCore> core, uint64_t id)
    : socket_(std::move(socket)),
      core_(std::move(core)),
      id_(id),
      peer_(peer_name(peer)),
      idle_timer_(socket_.get_executor()),
      write_timer_(socket_.get_executor()),
      queue_(core_->options.max_queued_predictions, kMaxQueuedControl) {}

void TelemetryConnection::start() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    spdlog::info("telemetry {}: connected", self->peer_);
    self->arm_idle();
    self->read();
  });
}

void TelemetryConnection::offer(std::shared_ptr<const EncodedResult> result) {
  asio::post(socket_.get_executor(), [self = shared_from_this(), result = std::move(result)] {
    if (self->closed_ || self->closing_) return;
    // A viewer receives nothing before it subscribes; a sender gets its own steps' predictions.
    if (result->source != self->id_ && !self->subscribed_) return;
    const bool json = self->mode_ == WireMode::json_lines;
    for (const EncodedImage& image : result->images) {
      if (!self->wants(image, result->samples)) continue;
      const auto& bytes = json ? image.json : image.binary;
      if (!bytes) continue;
      const int shed = self->queue_.push({bytes, true, result->group});
      ++self->predictions_out_;
      self->core_->bump(&EdgeMetrics::predictions_out);
      if (shed > 0) {
        self->shed_ += static_cast<uint64_t>(shed);
        self->core_->bump(&EdgeMetrics::predictions_shed, static_cast<uint64_t>(shed));
      }
    }
    self->update_queue_stats();
    self->write_next();
  });
}

void TelemetryConnection::shut_down(std::string reason) {
  asio::post(socket_.get_executor(),
             [self = shared_from_this(), reason = std::move(reason)] { self->close(reason); });
}

bool TelemetryConnection::wants(const EncodedImage& image, int samples) const {
  if (filter_.max_horizon != 0 && image.k > filter_.max_horizon) return false;
  if (image.sample == Prediction::kMeanSample) return filter_.want_mean;
  if (image.sample == Prediction::kStdSample) return filter_.want_std;
  // With one sample, sample 0 is the mean too (the session emits no separate mean then).
  return filter_.want_samples || (samples == 1 && filter_.want_mean);
}

// ---- input ---------------------------------------------------------------------------------

void TelemetryConnection::read() {
  socket_.async_read_some(asio::buffer(buf_),
                          [self = shared_from_this()](const boost::system::error_code& ec,
                                                      std::size_t n) { self->on_read(ec, n); });
}

void TelemetryConnection::on_read(const boost::system::error_code& ec, std::size_t n) {
  if (closed_) return;
  if (draining_) {
    if (ec) {
      close(closing_reason_);
    } else {
      drain();
    }
    return;
  }
  if (ec) {
    if (ec == asio::error::operation_aborted) return;
    const std::size_t partial = binary_ ? binary_->buffered() : json_ ? json_->buffered() : 0;
    if (ec == asio::error::eof || ec == asio::error::connection_reset) {
      close(partial > 0 ? "disconnected mid-message (" + std::to_string(partial) +
                              " bytes of an unfinished message dropped)"
                        : "disconnected");
    } else {
      close("read failed: " + ec.message());
    }
    return;
  }
  arm_idle();
  if (!mode_) {
    try {
      mode_ = detect_wire_mode(buf_[0]);
    } catch (const ProtocolError& e) {
      fail(e.code(), e.what(), 0);
      return;
    }
    const std::size_t limit = core_->options.max_message_bytes;
    if (*mode_ == WireMode::binary) {
      binary_.emplace(limit);
    } else {
      json_.emplace(limit);
      core_->json_connections.fetch_add(1);
    }
  }
  if (binary_) {
    binary_->feed(buf_.data(), n);
  } else {
    json_->feed(buf_.data(), n);
  }
  process_input();
  if (!closing_ && !closed_) read();
}

void TelemetryConnection::process_input() {
  for (;;) {
    std::optional<Envelope> env;
    HeaderPresence present{true, true};  // binary headers always carry both
    try {
      env = binary_ ? binary_->next() : json_->next(&present);
    } catch (const ProtocolError& e) {
      if (is_fatal(e.code())) {
        fail(e.code(), e.what(), e.seq().value_or(0));
        return;
      }
      // The decoder consumed the bad message: go on.
      reply_error(e.code(), e.what(), e.seq().value_or(0));
      if (closed_ || closing_) return;
      continue;
    }
    if (!env) return;
    ++messages_in_;
    const uint64_t seq = env->header.seq;
    try {
      handle(*env, present);
    } catch (const ProtocolError& e) {
      if (is_fatal(e.code()) || e.code() == ErrorCode::unauthorized) {
        fail(e.code(), e.what(), seq);
      } else {
        reply_error(e.code(), e.what(), seq);
      }
    } catch (const std::exception& e) {
      spdlog::error("telemetry {}: internal error: {}", peer_, e.what());
      reply_error(ErrorCode::internal, std::string("internal error: ") + e.what(), seq);
    }
    if (closed_ || closing_) return;
  }
}

void TelemetryConnection::handle(const Envelope& env, const HeaderPresence& present) {
  const Message& body = env.body;
  if (const auto* hello = std::get_if<Hello>(&body)) {
    if (hello->protocol_version != kProtocolVersion) {
      throw ProtocolError(ErrorCode::bad_version,
                          "hello: protocol version " + std::to_string(hello->protocol_version) +
                              " is not spoken here (this daemon speaks version " +
                              std::to_string(kProtocolVersion) + ")");
    }
    if (!core_->options.token.empty() && hello->token != core_->options.token) {
      throw ProtocolError(ErrorCode::unauthorized, "hello: wrong or missing token");
    }
    hello_ = true;
    role_ = hello->role;
    name_ = hello->client_name;
    spdlog::info("telemetry {}: hello from '{}' as {}", peer_, safe_text(name_), to_string(role_));
    send_control({{core_->next_out_seq(), wall_clock_ns(), 0}, Metadata{core_->metadata}});
    return;
  }
  if (std::holds_alternative<Bye>(body)) {
    closing_ = true;
    closing_reason_ = "said bye";
    write_next();
    return;
  }
  if (!core_->options.token.empty() && !hello_) {
    throw ProtocolError(ErrorCode::unauthorized,
                        to_string(type_of(body)) + ": send HELLO with the token first");
  }
  switch (type_of(body)) {
    case MessageType::telemetry:
    case MessageType::frame:
    case MessageType::plan:
      handle_step_part(env, present);
      return;
    case MessageType::reset:
      core_->session.on_reset(id_);
      return;
    case MessageType::subscribe:
      subscribed_ = true;
      filter_ = std::get<Subscribe>(body);
      return;
    case MessageType::error: {
      const auto& e = std::get<ErrorMessage>(body);
      spdlog::warn("telemetry {}: the client reports {}: {}", peer_, to_string(e.code),
                   safe_text(e.message));
      return;
    }
    default:
      throw ProtocolError(ErrorCode::unexpected_message,
                          to_string(type_of(body)) + ": sent by the daemon, not to it");
  }
}

void TelemetryConnection::handle_step_part(const Envelope& env, const HeaderPresence& present) {
  const MessageType type = type_of(env.body);
  if (role_ == ClientRole::viewer) {
    throw ProtocolError(ErrorCode::unexpected_message,
                        to_string(type) + ": a viewer connection cannot send steps");
  }
  const auto* frame = std::get_if<Frame>(&env.body);
  if (frame && frame->kind == FrameKind::camera && !core_->options.frames_from_socket) {
    throw ProtocolError(ErrorCode::unexpected_message,
                        "frame: this daemon takes its frames from its own camera (--camera)");
  }
  if (frame && frame->kind == FrameKind::label && !core_->options.labels_from_socket) {
    throw ProtocolError(ErrorCode::unexpected_message,
                        "frame: this daemon takes its pose images from its own label camera "
                        "(--label-camera)");
  }
  const uint64_t seq = step_seq(present, env.header.seq);
  const uint64_t timestamp = present.timestamp_ns ? env.header.timestamp_ns : wall_clock_ns();
  if (!sent_steps_) {
    sent_steps_ = true;
    core_->session.on_reset(id_);  // a new connection starts with a reset state
  }
  PredictionSession& session = core_->session;
  if (const auto* t = std::get_if<Telemetry>(&env.body)) {
    session.on_telemetry(seq, *t, id_);
    implicit_has_telemetry_ = true;
  } else if (frame) {
    session.on_frame(seq, timestamp, *frame, id_);
    (frame->kind == FrameKind::label ? implicit_has_label_ : implicit_has_frame_) = true;
  } else {
    session.on_plan(seq, std::get<Plan>(env.body), id_);
    return;
  }
  // The step is whole (so a line without seq starts the next one) once every part this
  // connection supplies has come: the camera frame unless a local camera gives it, and the
  // condition (telemetry, or the pose image unless a label camera gives it).
  const bool has_frame = implicit_has_frame_ || !core_->options.frames_from_socket;
  const bool has_condition = session.metadata().pose_conditioned()
                                 ? implicit_has_label_ || !core_->options.labels_from_socket
                                 : implicit_has_telemetry_;
  if (has_frame && has_condition) {
    implicit_seq_ = seq + 1;
    implicit_has_frame_ = implicit_has_label_ = implicit_has_telemetry_ = false;
  }
}

uint64_t TelemetryConnection::step_seq(const HeaderPresence& present, uint64_t seq) {
  if (!present.seq) seq = implicit_seq_;
  if (seq != implicit_seq_) {
    implicit_seq_ = seq;
    implicit_has_frame_ = implicit_has_label_ = implicit_has_telemetry_ = false;
  }
  return seq;
}

// ---- output --------------------------------------------------------------------------------

std::shared_ptr<const std::string> TelemetryConnection::encode_for_peer(const Envelope& env) const {
  if (mode_ == WireMode::json_lines) return std::make_shared<const std::string>(to_json_line(env));
  const std::vector<uint8_t> bytes = encode(env);
  return std::make_shared<const std::string>(bytes.begin(), bytes.end());
}

void TelemetryConnection::send_control(const Envelope& env) {
  if (closed_) return;
  if (queue_.push({encode_for_peer(env), false}) < 0) {
    close("does not read its replies");
    return;
  }
  update_queue_stats();
  write_next();
}

void TelemetryConnection::reply_error(ErrorCode code, const std::string& message, uint64_t seq) {
  ++errors_sent_;
  core_->bump(&EdgeMetrics::protocol_errors);
  const std::string text = safe_text(message);
  if (errors_sent_ <= kLoggedErrors) {
    spdlog::warn("telemetry {}: {} error: {}", peer_, to_string(code), text);
  } else {
    spdlog::debug("telemetry {}: {} error: {}", peer_, to_string(code), text);
  }
  send_control({{seq, wall_clock_ns(), 0}, ErrorMessage{code, text}});
}

void TelemetryConnection::fail(ErrorCode code, const std::string& message, uint64_t seq) {
  reply_error(code, message, seq);
  if (closed_) return;
  closing_ = true;
  closing_reason_ = "closed after " + to_string(code);
  write_next();
}

void TelemetryConnection::write_next() {
  if (closed_ || draining_ || queue_.writing()) return;
  if (queue_.empty()) {
    if (closing_) finish();
    return;
  }
  const OutgoingMessage& m = queue_.begin_write();
  arm_write_timer();
  asio::async_write(socket_, asio::buffer(*m.bytes),
                    [self = shared_from_this(), keep = m.bytes](
                        const boost::system::error_code& ec, std::size_t) { self->on_write(ec); });
}

void TelemetryConnection::on_write(const boost::system::error_code& ec) {
  if (closed_) return;
  write_timer_.cancel();
  if (ec) {
    close("write failed: " + ec.message());
    return;
  }
  queue_.pop_front();
  update_queue_stats();
  write_next();
}

void TelemetryConnection::finish() {
  // FIN after the last reply, then read what the peer still sends: closing with unread bytes
  // would make the kernel answer RST, which can destroy the ERROR before the client reads it.
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
  draining_ = true;
  idle_timer_.expires_after(kDrainTime);
  idle_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->close(self->closing_reason_);
  });
  drain();
}

void TelemetryConnection::drain() { read(); }

void TelemetryConnection::arm_idle() {
  if (draining_) return;
  idle_timer_.expires_after(core_->options.idle_timeout);
  idle_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->closed_ || self->draining_) return;
    if (self->idle_timer_.expiry() > std::chrono::steady_clock::now()) return;
    if (self->role_ == ClientRole::viewer && self->subscribed_) {
      self->arm_idle();  // a subscribed viewer only listens
      return;
    }
    self->close("sent nothing for " +
                fmt::format("{:g}", seconds(self->core_->options.idle_timeout)) + " s");
  });
}

void TelemetryConnection::arm_write_timer() {
  write_timer_.expires_after(core_->options.write_timeout);
  write_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->closed_ || !self->queue_.writing()) return;
    if (self->write_timer_.expiry() > std::chrono::steady_clock::now()) return;
    self->close("did not read for " +
                fmt::format("{:g}", seconds(self->core_->options.write_timeout)) + " s");
  });
}

void TelemetryConnection::update_queue_stats() {
  queued_messages_.store(queue_.size(), std::memory_order_relaxed);
  queued_bytes_.store(queue_.bytes(), std::memory_order_relaxed);
}

void TelemetryConnection::close(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  spdlog::info("telemetry {}: closed: {} ({} messages in, {} predictions out, {} shed, {} errors)",
               peer_, reason, messages_in_, predictions_out_, shed_, errors_sent_);
  boost::system::error_code ignored;
  idle_timer_.cancel();
  write_timer_.cancel();
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  queue_ = OutgoingQueue(core_->options.max_queued_predictions, kMaxQueuedControl);
  update_queue_stats();
  if (json_) core_->json_connections.fetch_sub(1);
  if (sent_steps_) core_->session.on_disconnect(id_);  // its unpaired parts would starve others
  core_->remove(id_);
  if (core_->metrics) core_->metrics->connections_open.fetch_sub(1);
}

}  // namespace foresight::net_detail

#include "common/protocol/binary_codec.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "common/protocol/bounded_json.hpp"
#include "common/protocol/byte_io.hpp"
#include "common/protocol/validation.hpp"

namespace foresight {

namespace {

using wire::ByteReader;
using wire::ByteWriter;

constexpr std::size_t kPayloadLenOffset = 24;

// ---- payload writers: one per message type, fields in docs/protocol.md order ----

void write_image(ByteWriter& w, const Image& image) {
  w.u8(static_cast<uint8_t>(image.encoding));
  w.u32(image.width);
  w.u32(image.height);
  w.blob(image.bytes);
}

struct PayloadWriter {
  ByteWriter& w;
  void operator()(const Hello& m) const {
    w.u16(m.protocol_version);
    w.u8(static_cast<uint8_t>(m.role));
    w.str(m.client_name);
    w.str(m.token);
  }
  void operator()(const Metadata& m) const { w.str(m.model.dump()); }
  void operator()(const Telemetry& m) const {
    w.u32(m.episode_id);
    w.floats(m.action);
    w.floats(m.position);
  }
  void operator()(const Frame& m) const {
    w.u8(static_cast<uint8_t>(m.kind));
    write_image(w, m.image);
  }
  void operator()(const Plan& m) const {
    w.u32(static_cast<uint32_t>(m.steps.size()));
    const std::size_t a = m.steps.empty() ? 0 : m.steps.front().action.size();
    const std::size_t p = m.steps.empty() ? 0 : m.steps.front().position.size();
    w.u32(static_cast<uint32_t>(a));
    w.u32(static_cast<uint32_t>(p));
    for (const PlanStep& s : m.steps) {
      for (float v : s.action) w.f32(v);
      for (float v : s.position) w.f32(v);
    }
  }
  void operator()(const Prediction& m) const {
    w.u64(m.frame_seq);
    w.u32(m.k);
    w.i32(m.sample);
    write_image(w, m.image);
  }
  void operator()(const Reset&) const {}
  void operator()(const Subscribe& m) const {
    w.u32(m.max_horizon);
    w.u8(static_cast<uint8_t>((m.want_samples ? 1 : 0) | (m.want_mean ? 2 : 0) |
                              (m.want_std ? 4 : 0)));
  }
  void operator()(const ErrorMessage& m) const {
    w.u16(static_cast<uint16_t>(m.code));
    w.str(m.message);
  }
  void operator()(const Bye&) const {}
};

// ---- payload readers ----

Image read_image(ByteReader& r) {
  Image image;
  image.encoding = static_cast<ImageEncoding>(r.u8("encoding"));
  image.width = r.u32("width");
  image.height = r.u32("height");
  image.bytes = r.blob("data");
  return image;
}

Message read_payload(MessageType type, ByteReader& r) {
  switch (type) {
    case MessageType::hello: {
      Hello m;
      m.protocol_version = r.u16("version");
      m.role = static_cast<ClientRole>(r.u8("role"));
      m.client_name = r.str("client");
      m.token = r.str("token");
      return m;
    }
    case MessageType::metadata: {
      Metadata m;
      m.model = parse_bounded_json(r.str("metadata"), "metadata: field 'metadata'");
      return m;
    }
    case MessageType::telemetry: {
      Telemetry m;
      m.episode_id = r.u32("episode");
      m.action = r.floats("action");
      m.position = r.floats("position");
      return m;
    }
    case MessageType::frame: {
      Frame m;
      m.kind = static_cast<FrameKind>(r.u8("kind"));
      m.image = read_image(r);
      return m;
    }
    case MessageType::plan: {
      const uint64_t k = r.u32("steps");
      const uint64_t a = r.u32("action_count");
      const uint64_t p = r.u32("position_count");
      // Checked before allocating the steps: zero-width steps cost no payload bytes.
      if (k > 0 && a + p == 0)
        throw ProtocolError(ErrorCode::malformed_payload,
                            "plan: steps have neither 'actions' nor 'positions' values");
      r.require(k, 4 * (a + p), "steps");
      Plan m;
      m.steps.resize(static_cast<std::size_t>(k));
      for (PlanStep& s : m.steps) {
        s.action = r.floats_n(a, "actions");
        s.position = r.floats_n(p, "positions");
      }
      return m;
    }
    case MessageType::prediction: {
      Prediction m;
      m.frame_seq = r.u64("frame_seq");
      m.k = r.u32("k");
      m.sample = r.i32("sample");
      m.image = read_image(r);
      return m;
    }
    case MessageType::reset:
      return Reset{};
    case MessageType::subscribe: {
      Subscribe m;
      m.max_horizon = r.u32("max_horizon");
      const uint8_t bits = r.u8("want");
      if (bits & ~7u)
        throw ProtocolError(ErrorCode::malformed_payload,
                            "subscribe: field 'want' has undefined bits set");
      m.want_samples = bits & 1;
      m.want_mean = bits & 2;
      m.want_std = bits & 4;
      return m;
    }
    case MessageType::error: {
      ErrorMessage m;
      m.code = static_cast<ErrorCode>(r.u16("code"));
      m.message = r.str("message");
      return m;
    }
    case MessageType::bye:
      return Bye{};
  }
  throw ProtocolError(ErrorCode::unknown_type,
                      "unknown message type " + std::to_string(static_cast<unsigned>(type)));
}

Envelope decode_body(const WireHeader& h, const uint8_t* payload) {
  if (!is_known_message_type(h.type))
    throw ProtocolError(ErrorCode::unknown_type,
                        "unknown message type " + std::to_string(static_cast<unsigned>(h.type)));
  const auto type = static_cast<MessageType>(h.type);
  ByteReader r(payload, h.payload_len, to_string(type));
  Envelope env{Header{h.seq, h.timestamp_ns, h.flags}, read_payload(type, r)};
  r.finish();
  validate(env.body);
  return env;
}

ProtocolError bad_magic_error() {
  return ProtocolError(ErrorCode::bad_magic, "stream does not start with the magic \"FSGT\"");
}

ProtocolError bad_version_error(uint8_t version) {
  return ProtocolError(ErrorCode::bad_version, "protocol version " + std::to_string(version) +
                                                   " is not supported (this "
                                                   "peer speaks " +
                                                   std::to_string(kProtocolVersion) + ")");
}

ProtocolError too_large_error(uint64_t total, std::size_t max) {
  return ProtocolError(ErrorCode::too_large, "message of " + std::to_string(total) +
                                                 " bytes exceeds the limit of " +
                                                 std::to_string(max) + " bytes");
}

}  // namespace

std::vector<uint8_t> encode(const Envelope& message) {
  validate(message.body);
  std::vector<uint8_t> out;
  out.reserve(kHeaderSize + 64);
  ByteWriter w(out);
  w.raw(kMagic.data(), kMagic.size());
  w.u8(kProtocolVersion);
  w.u8(static_cast<uint8_t>(type_of(message.body)));
  w.u16(message.header.flags);
  w.u64(message.header.seq);
  w.u64(message.header.timestamp_ns);
  w.u32(0);  // payload_len, patched below once the payload is written
  std::visit(PayloadWriter{w}, message.body);
  const std::size_t payload_len = out.size() - kHeaderSize;
  if (payload_len > std::numeric_limits<uint32_t>::max())
    throw ProtocolError(ErrorCode::too_large,
                        to_string(type_of(message.body)) + ": payload exceeds 4 GiB - 1 bytes");
  for (std::size_t i = 0; i < 4; ++i)
    out[kPayloadLenOffset + i] = static_cast<uint8_t>(payload_len >> (8 * i));
  return out;
}

WireHeader decode_header(const uint8_t* data) {
  if (std::memcmp(data, kMagic.data(), kMagic.size()) != 0) throw bad_magic_error();
  ByteReader r(data + kMagic.size(), kHeaderSize - kMagic.size(), "header");
  WireHeader h;
  h.version = r.u8("version");
  if (h.version != kProtocolVersion) throw bad_version_error(h.version);
  h.type = r.u8("type");
  h.flags = r.u16("flags");
  h.seq = r.u64("seq");
  h.timestamp_ns = r.u64("timestamp_ns");
  h.payload_len = r.u32("payload_len");
  return h;
}

Envelope decode(const uint8_t* data, std::size_t size, std::size_t max_message_bytes) {
  if (size < kHeaderSize)
    throw ProtocolError(ErrorCode::malformed_payload,
                        "message of " + std::to_string(size) + " bytes is shorter than the header");
  const WireHeader h = decode_header(data);
  const uint64_t total = kHeaderSize + uint64_t{h.payload_len};
  if (total > max_message_bytes) throw too_large_error(total, max_message_bytes);
  if (total != size)
    throw ProtocolError(ErrorCode::malformed_payload, "header announces " + std::to_string(total) +
                                                          " bytes but the message has " +
                                                          std::to_string(size));
  return decode_body(h, data + kHeaderSize);
}

StreamDecoder::StreamDecoder(std::size_t max_message_bytes)
    : max_message_bytes_(max_message_bytes) {
  if (max_message_bytes < kHeaderSize)
    throw std::invalid_argument("max_message_bytes must be at least the 28-byte header");
}

void StreamDecoder::feed(const uint8_t* data, std::size_t size) {
  if (failure_ || size == 0) return;
  // Drop the consumed prefix only when it dominates, so byte-by-byte feeding stays linear.
  if (start_ > 0 && start_ >= buffer_.size() / 2) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
    start_ = 0;
  }
  buffer_.insert(buffer_.end(), data, data + size);
}

void StreamDecoder::fail(const ProtocolError& error) {
  failure_ = error;
  buffer_.clear();
  buffer_.shrink_to_fit();
  start_ = 0;
  throw error;
}

std::optional<Envelope> StreamDecoder::next() {
  if (failure_) throw *failure_;
  const std::size_t available = buffered();
  if (available == 0) return std::nullopt;
  const uint8_t* p = buffer_.data() + start_;
  // Judge the magic and version from the first bytes, so a stray HTTP request or a JSON line on a
  // binary connection is refused at once instead of waiting for 28 bytes that may never come.
  if (std::memcmp(p, kMagic.data(), std::min(available, kMagic.size())) != 0)
    fail(bad_magic_error());
  if (available > kMagic.size() && p[kMagic.size()] != kProtocolVersion)
    fail(bad_version_error(p[kMagic.size()]));
  if (available < kHeaderSize) return std::nullopt;

  const WireHeader h = decode_header(p);
  const uint64_t total = kHeaderSize + uint64_t{h.payload_len};
  if (total > max_message_bytes_) fail(too_large_error(total, max_message_bytes_));
  // No reserve() on the header's word: a peer that announces 8 MiB and stalls costs nothing.
  if (available < total) return std::nullopt;
  // Consume before decoding: a bad payload must not stall the stream on the same bytes.
  start_ += static_cast<std::size_t>(total);
  try {
    return decode_body(h, p + kHeaderSize);  // p stays valid: only feed() moves buffer_
  } catch (ProtocolError& e) {
    e.set_seq(h.seq);  // the header was good: the ERROR reply names the message
    throw;
  }
}

}  // namespace foresight

// The binary mode of the protocol: length-prefixed messages, a fixed 28-byte little-endian header
// ("FSGT", version, type, flags, seq, timestamp_ns, payload_len) followed by the type's payload.
// Layouts are in docs/protocol.md. encode() writes one message; StreamDecoder cuts messages out
// of a TCP byte stream fed in arbitrary chunks and refuses hostile input without over-allocating.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/protocol/messages.hpp"

namespace foresight {

constexpr std::size_t kHeaderSize = 28;
constexpr std::array<uint8_t, 4> kMagic = {'F', 'S', 'G', 'T'};

// The header exactly as it is on the wire (type kept raw so unknown values can be reported).
struct WireHeader {
  uint8_t version = kProtocolVersion;
  uint8_t type = 0;
  uint16_t flags = 0;
  uint64_t seq = 0;
  uint64_t timestamp_ns = 0;
  uint32_t payload_len = 0;
};

// Returns header + payload of `message` (version kProtocolVersion). Throws ProtocolError when the
// body breaks validate()'s rules (malformed_payload, non_finite) or its payload exceeds 4 GiB - 1
// (too_large).
std::vector<uint8_t> encode(const Envelope& message);

// Returns the header in data[0, kHeaderSize). Throws ProtocolError: bad_magic, or bad_version for a
// version other than kProtocolVersion. Judges neither type nor length.
WireHeader decode_header(const uint8_t* data);

// Returns the one message that is exactly data[0, size). Throws ProtocolError: the decode_header
// errors; too_large when the message exceeds max_message_bytes; malformed_payload when size
// disagrees with payload_len or the payload with its layout; unknown_type; non_finite.
Envelope decode(const uint8_t* data, std::size_t size,
                std::size_t max_message_bytes = kDefaultMaxMessageBytes);

// Incremental decoder for one connection. Usage: after every feed(), call next() until it returns
// nullopt. Buffering stays bounded by max_message_bytes plus one chunk, because the header (and
// thus an oversized length) is judged as soon as its bytes arrive, before the payload is kept.
class StreamDecoder {
 public:
  // Throws std::invalid_argument when max_message_bytes < kHeaderSize.
  explicit StreamDecoder(std::size_t max_message_bytes = kDefaultMaxMessageBytes);

  // Appends bytes to the buffer (ignored once the decoder has failed).
  void feed(const uint8_t* data, std::size_t size);

  // Returns the next complete message, or nullopt while it is incomplete. Throws ProtocolError:
  // - bad_magic, bad_version, too_large as soon as the first bytes show them; the stream is then
  //   unframed, so the decoder fails for good and every later call throws the same error;
  // - unknown_type, malformed_payload, non_finite after consuming the offending message, so the
  //   next call continues with the message after it.
  std::optional<Envelope> next();

  // Returns the bytes received but not yet returned as messages.
  std::size_t buffered() const { return buffer_.size() - start_; }
  // Returns true after a fatal error (see next()).
  bool failed() const { return failure_.has_value(); }
  std::size_t max_message_bytes() const { return max_message_bytes_; }

 private:
  [[noreturn]] void fail(const ProtocolError& error);
  std::vector<uint8_t> buffer_;
  std::size_t start_ = 0;  // consumed prefix of buffer_, dropped lazily to keep feed() cheap
  std::size_t max_message_bytes_;
  std::optional<ProtocolError> failure_;
};

}  // namespace foresight

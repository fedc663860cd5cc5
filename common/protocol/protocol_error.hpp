// Errors of the Foresight wire protocol (docs/protocol.md, "Error codes"). One enum serves both
// sides: a decoder throws ProtocolError with a code, and the daemon sends that same code back in an
// ERROR message, so a client sees exactly why its bytes were refused.
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace foresight {

// Values are part of the wire format (ERROR payload): never renumber, only append.
enum class ErrorCode : uint16_t {
  bad_magic = 1,            // the stream does not start with "FSGT" (or '{' for JSON lines)
  bad_version = 2,          // header version this peer does not speak
  unknown_type = 3,         // message type not defined in this version
  too_large = 4,            // message (or JSON line) longer than the receiver's limit
  malformed_payload = 5,    // payload does not match its type's layout (or a JSON field is wrong)
  non_finite = 6,           // a float is NaN or infinite
  unauthorized = 16,        // HELLO token missing or wrong
  dimension_mismatch = 17,  // action/position counts differ from the model metadata
  unexpected_message = 18,  // valid message that is not allowed here (e.g. TELEMETRY from a viewer)
  internal = 255,           // the daemon failed; not the client's fault
};

// Returns the snake_case name of `code` ("bad_magic"), or "error_<n>" for a value not listed above.
std::string to_string(ErrorCode code);
// Returns the code named `name` (as to_string writes it); nullopt for an unknown name.
std::optional<ErrorCode> error_code_from_string(std::string_view name);

// Returns true when the error leaves the byte stream unframed (bad_magic, bad_version, too_large):
// the receiver should send ERROR and close. Other codes consume just the offending message.
bool is_fatal(ErrorCode code);

// Thrown by the decoders and encoders for input that breaks the protocol; what() is a sentence
// for logs and ERROR messages ("telemetry: field 'action' must be an array of numbers").
class ProtocolError : public std::runtime_error {
 public:
  ProtocolError(ErrorCode code, const std::string& message);
  ErrorCode code() const noexcept { return code_; }
  // The header's seq of the offending message, when its header was read before the error (so the
  // ERROR reply can echo it); nullopt for errors in the framing or the header itself.
  std::optional<uint64_t> seq() const noexcept { return seq_; }
  void set_seq(uint64_t seq) noexcept { seq_ = seq; }

 private:
  ErrorCode code_;
  std::optional<uint64_t> seq_;
};

}  // namespace foresight

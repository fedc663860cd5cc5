// Cuts JSON lines out of a connection's byte stream (the JSON-lines counterpart of StreamDecoder):
// lines end in "\n" (a preceding "\r" is dropped), blank lines are skipped so a person can press
// Enter freely, and a line longer than the limit is refused before it is buffered whole.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "common/protocol/json_lines.hpp"

namespace foresight {

class JsonLineDecoder {
 public:
  // Throws std::invalid_argument when max_line_bytes is 0.
  explicit JsonLineDecoder(std::size_t max_line_bytes = kDefaultMaxMessageBytes);

  // Appends bytes (ignored once the decoder has failed).
  void feed(const uint8_t* data, std::size_t size);

  // Returns the next complete line's message, or nullopt while no complete non-blank line is
  // buffered. Throws ProtocolError: too_large when a line exceeds max_line_bytes (fatal: the
  // decoder fails for good and rethrows it); parse_json_line's errors after consuming the bad
  // line, so the next call continues with the line after it. `present` as in parse_json_line.
  std::optional<Envelope> next(HeaderPresence* present = nullptr);

  // Returns the bytes received but not yet consumed.
  std::size_t buffered() const { return buffer_.size() - start_; }
  bool failed() const { return failure_.has_value(); }

 private:
  [[noreturn]] void fail(const ProtocolError& error);
  std::string buffer_;
  std::size_t start_ = 0;    // consumed prefix of buffer_
  std::size_t scanned_ = 0;  // bytes after start_ known to hold no '\n' (keeps next() linear)
  std::size_t max_line_bytes_;
  std::optional<ProtocolError> failure_;
};

}  // namespace foresight

#include "common/protocol/json_line_decoder.hpp"

#include <stdexcept>

namespace foresight {

namespace {
bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}
}  // namespace

JsonLineDecoder::JsonLineDecoder(std::size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {
  if (max_line_bytes == 0) throw std::invalid_argument("max_line_bytes must be positive");
}

void JsonLineDecoder::feed(const uint8_t* data, std::size_t size) {
  if (failure_ || size == 0) return;
  if (start_ > 0 && start_ >= buffer_.size() / 2) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  buffer_.append(reinterpret_cast<const char*>(data), size);
}

void JsonLineDecoder::fail(const ProtocolError& error) {
  failure_ = error;
  buffer_.clear();
  buffer_.shrink_to_fit();
  start_ = scanned_ = 0;
  throw error;
}

std::optional<Envelope> JsonLineDecoder::next(HeaderPresence* present) {
  if (failure_) throw *failure_;
  for (;;) {
    const std::size_t newline = buffer_.find('\n', start_ + scanned_);
    if (newline == std::string::npos) {
      scanned_ = buffer_.size() - start_;
      if (scanned_ > max_line_bytes_)
        fail(ProtocolError(ErrorCode::too_large,
                           "JSON line longer than " + std::to_string(max_line_bytes_) + " bytes"));
      return std::nullopt;
    }
    const std::string_view line(buffer_.data() + start_, newline - start_);
    // Consume before parsing: a bad line must not be parsed again on the next call.
    start_ = newline + 1;
    scanned_ = 0;
    if (line.size() > max_line_bytes_)
      fail(ProtocolError(ErrorCode::too_large,
                         "JSON line longer than " + std::to_string(max_line_bytes_) + " bytes"));
    if (is_blank(line)) continue;
    return parse_json_line(line, present);
  }
}

}  // namespace foresight

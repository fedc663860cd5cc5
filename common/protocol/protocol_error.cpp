#include "common/protocol/protocol_error.hpp"

#include <array>
#include <utility>

namespace foresight {

namespace {
constexpr std::array<std::pair<ErrorCode, std::string_view>, 10> kNames = {{
    {ErrorCode::bad_magic, "bad_magic"},
    {ErrorCode::bad_version, "bad_version"},
    {ErrorCode::unknown_type, "unknown_type"},
    {ErrorCode::too_large, "too_large"},
    {ErrorCode::malformed_payload, "malformed_payload"},
    {ErrorCode::non_finite, "non_finite"},
    {ErrorCode::unauthorized, "unauthorized"},
    {ErrorCode::dimension_mismatch, "dimension_mismatch"},
    {ErrorCode::unexpected_message, "unexpected_message"},
    {ErrorCode::internal, "internal"},
}};
}  // namespace

std::string to_string(ErrorCode code) {
  for (const auto& [c, name] : kNames)
    if (c == code) return std::string(name);
  // ERROR messages from a newer peer may carry codes we do not know; keep the number visible.
  return "error_" + std::to_string(static_cast<unsigned>(code));
}

std::optional<ErrorCode> error_code_from_string(std::string_view name) {
  for (const auto& [c, n] : kNames)
    if (n == name) return c;
  return std::nullopt;
}

bool is_fatal(ErrorCode code) {
  return code == ErrorCode::bad_magic || code == ErrorCode::bad_version ||
         code == ErrorCode::too_large;
}

ProtocolError::ProtocolError(ErrorCode code, const std::string& message)
    : std::runtime_error(message), code_(code) {}

}  // namespace foresight

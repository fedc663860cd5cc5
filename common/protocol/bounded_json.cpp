#include "common/protocol/bounded_json.hpp"

#include "common/protocol/protocol_error.hpp"

namespace foresight {

nlohmann::json parse_bounded_json(std::string_view text, const std::string& context) {
  // The callback runs as the parser descends, so a deep document is refused before it is built.
  const nlohmann::json::parser_callback_t depth_guard =
      [&context](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        if (depth > kMaxJsonDepth)
          throw ProtocolError(
              ErrorCode::malformed_payload,
              context + ": JSON nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
        return true;
      };
  try {
    return nlohmann::json::parse(text.begin(), text.end(), depth_guard);
  } catch (const nlohmann::json::exception& e) {
    throw ProtocolError(ErrorCode::malformed_payload,
                        context + ": invalid JSON (" + e.what() + ")");
  }
}

}  // namespace foresight

// JSON parsing for untrusted protocol input (metadata payloads, JSON lines): a bounded nesting
// depth keeps hostile input from building deep trees that recursive dump/compare/destroy would
// then walk, and every parse failure becomes a ProtocolError instead of an nlohmann exception.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace foresight {

constexpr int kMaxJsonDepth = 64;

// Returns the single JSON value in `text`. Throws ProtocolError(malformed_payload), its message
// prefixed by `context`, when `text` is not valid JSON (including numbers beyond double range) or
// nests deeper than kMaxJsonDepth.
nlohmann::json parse_bounded_json(std::string_view text, const std::string& context);

}  // namespace foresight

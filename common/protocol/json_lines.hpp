// The JSON-lines mode of the protocol, for people and scripts: one JSON object per line, with a
// "type" field naming the message and the binary payload's fields as JSON members (images as
// base64). A telemetry step can be typed into `nc`:
//   {"type":"telemetry","seq":1,"action":[0.1,0,0,1],"position":[0.5,0.2,0.1]}
// Field names and defaults are in docs/protocol.md, "JSON lines".
#pragma once
#include <string>
#include <string_view>

#include "common/protocol/messages.hpp"

namespace foresight {

// Which optional header members a parsed line carried (the daemon fills in the missing ones).
struct HeaderPresence {
  bool seq = false;
  bool timestamp_ns = false;
};

// Returns the message on `line` (a trailing "\n" or "\r\n" is ignored). Numbers may be written as
// integers or floats ("1" and "1.0" both work); integer fields must hold integral values. Throws
// ProtocolError whose message names the offending field: unknown_type for an unknown "type",
// non_finite for a float that overflows binary32, malformed_payload for anything else (invalid
// JSON, missing or mistyped field, unknown field, bad base64, validate() failures).
// When `present` is given, it reports whether "seq" and "timestamp_ns" were on the line.
Envelope parse_json_line(std::string_view line, HeaderPresence* present = nullptr);

// Returns `message` as one JSON object followed by "\n", "type" first. Throws ProtocolError when
// the body breaks validate()'s rules.
std::string to_json_line(const Envelope& message);

}  // namespace foresight

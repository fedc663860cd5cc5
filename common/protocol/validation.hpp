// The rules a message must satisfy beyond its layout (docs/protocol.md, "Validation"). Both codecs
// apply them when decoding and when encoding, so a sender learns of a bad message before it
// reaches the wire and both modes accept exactly the same messages.
#pragma once
#include "common/protocol/messages.hpp"

namespace foresight {

// Returns normally when `body` is valid. Throws ProtocolError: non_finite for a NaN/inf float,
// malformed_payload naming the field for anything else (unknown enum value, empty image, raw_rgb
// size != width*height*3, plan steps of differing lengths, k == 0, sample < -2, non-UTF-8 text,
// metadata that is not a JSON object).
void validate(const Message& body);

// Returns true when `text` is well-formed UTF-8 (no overlongs, surrogates or values > U+10FFFF).
bool is_valid_utf8(std::string_view text);

// Text a peer sent, fit for one log line: control bytes (newlines, escapes) and bytes that are not
// UTF-8 written as \xNN, valid UTF-8 kept; cut to about max_bytes with "..." at the end.
std::string printable_text(std::string_view text, std::size_t max_bytes);

}  // namespace foresight

// How a connection speaks, decided by its first byte: 'F' (of "FSGT") means binary messages,
// '{' (or leading whitespace, as a person at `nc` may type) means JSON lines. The two first bytes
// cannot be confused, so no handshake is needed and `nc` works with no preamble.
#pragma once
#include <cstdint>

namespace foresight {

enum class WireMode { binary, json_lines };

// Returns the mode that a connection whose first byte is `first_byte` speaks. Throws
// ProtocolError(bad_magic) for any other byte (an HTTP request, TLS, garbage).
WireMode detect_wire_mode(uint8_t first_byte);

}  // namespace foresight

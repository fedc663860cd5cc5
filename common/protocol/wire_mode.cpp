#include "common/protocol/wire_mode.hpp"

#include <string>

#include "common/protocol/binary_codec.hpp"
#include "common/protocol/protocol_error.hpp"

namespace foresight {

WireMode detect_wire_mode(uint8_t first_byte) {
  if (first_byte == kMagic[0]) return WireMode::binary;
  switch (first_byte) {
    case '{':
    case ' ':
    case '\t':
    case '\r':
    case '\n':
      return WireMode::json_lines;
    default:
      throw ProtocolError(ErrorCode::bad_magic,
                          "connection starts with byte " + std::to_string(first_byte) +
                              ", neither 'F' (binary \"FSGT\") nor '{' (JSON lines)");
  }
}

}  // namespace foresight

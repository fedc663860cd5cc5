// Base64 (RFC 4648, standard alphabet, padded) for image bytes inside JSON lines. The alphabet
// work is Boost.Beast's; this wrapper adds the strictness the decoder lacks (it stops silently at
// the first bad character), so malformed input is reported instead of truncated.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace foresight {

// Returns the padded base64 text of `bytes`.
std::string base64_encode(const std::vector<uint8_t>& bytes);

// Returns the bytes of padded base64 `text`; nullopt when its length is not a multiple of 4, it
// holds a character outside the alphabet, or '=' appears anywhere but the last two places.
std::optional<std::vector<uint8_t>> base64_decode(std::string_view text);

}  // namespace foresight

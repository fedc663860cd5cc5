#include "common/protocol/base64.hpp"

#include <boost/beast/core/detail/base64.hpp>

namespace foresight {

namespace b64 = boost::beast::detail::base64;

std::string base64_encode(const std::vector<uint8_t>& bytes) {
  std::string out(b64::encoded_size(bytes.size()), '\0');
  out.resize(b64::encode(out.data(), bytes.data(), bytes.size()));
  return out;
}

std::optional<std::vector<uint8_t>> base64_decode(std::string_view text) {
  // Beast writes up to decoded_size(n) bytes only when n is a multiple of 4; check that first.
  if (text.size() % 4 != 0) return std::nullopt;
  std::vector<uint8_t> out(b64::decoded_size(text.size()));
  const auto [written, read] = b64::decode(out.data(), text.data(), text.size());
  // Beast stops at the first '=' or foreign character; all that may follow is 1 or 2 '='.
  const std::size_t padding = text.size() - read;
  if (padding > 2 || text.find_first_not_of('=', read) != std::string_view::npos)
    return std::nullopt;
  out.resize(written);
  return out;
}

}  // namespace foresight

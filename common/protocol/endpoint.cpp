#include "common/protocol/endpoint.hpp"

#include <cctype>
#include <stdexcept>

namespace foresight {

std::string HostPort::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

HostPort parse_host_port(const std::string& text, const std::string& scheme) {
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument("'" + text + "': " + why);
  };
  std::string rest = text;
  const auto sep = rest.find("://");
  if (sep != std::string::npos) {
    const std::string given = rest.substr(0, sep);
    if (scheme.empty() || given != scheme) {
      fail(scheme.empty() ? "no scheme expected" : "want " + scheme + "://HOST:PORT");
    }
    rest = rest.substr(sep + 3);
  }
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos) fail("want HOST:PORT");
  HostPort hp;
  hp.host = rest.substr(0, colon);
  const std::string port = rest.substr(colon + 1);
  if (hp.host.size() >= 2 && hp.host.front() == '[' && hp.host.back() == ']') {
    hp.host = hp.host.substr(1, hp.host.size() - 2);
  }
  if (hp.host.empty()) hp.host = "127.0.0.1";
  if (port.empty() || port.size() > 5) fail("the port must be a number 0..65535");
  unsigned long value = 0;
  for (char c : port) {
    if (!std::isdigit(static_cast<unsigned char>(c))) fail("the port must be a number 0..65535");
    value = value * 10 + static_cast<unsigned long>(c - '0');
  }
  if (value > 65535) fail("the port must be a number 0..65535");
  hp.port = static_cast<uint16_t>(value);
  return hp;
}

}  // namespace foresight

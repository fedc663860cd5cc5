// Command-line addresses: "tcp://HOST:PORT", "HOST:PORT", "[v6]:PORT" or ":PORT" (loopback).
#pragma once
#include <cstdint>
#include <string>

namespace foresight {

struct HostPort {
  std::string host;  // numeric address as written (brackets removed)
  uint16_t port = 0;
  std::string to_string() const;  // "host:port" ("[v6]:port")
};

// Parses `text`, with an optional "SCHEME://" prefix that must equal `scheme` when given. Throws
// std::invalid_argument naming the text for a missing/extra scheme, host or port, or a port
// outside 0..65535.
HostPort parse_host_port(const std::string& text, const std::string& scheme = "");

}  // namespace foresight

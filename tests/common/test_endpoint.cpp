// Command-line addresses for --telemetry and --http.
#include <gtest/gtest.h>

#include "common/protocol/endpoint.hpp"

namespace foresight {
namespace {

TEST(Endpoint, ParsesHostPortWithOptionalScheme) {
  auto a = parse_host_port("tcp://0.0.0.0:7070", "tcp");
  EXPECT_EQ(a.host, "0.0.0.0");
  EXPECT_EQ(a.port, 7070);
  auto b = parse_host_port("127.0.0.1:8080", "http");
  EXPECT_EQ(b.to_string(), "127.0.0.1:8080");
  auto c = parse_host_port("[::1]:9000");
  EXPECT_EQ(c.host, "::1");
  EXPECT_EQ(c.to_string(), "[::1]:9000");
  EXPECT_EQ(parse_host_port(":7000").host, "127.0.0.1");
}

TEST(Endpoint, RejectsMalformedAddresses) {
  for (const char* bad : {"7070", "host:", "host:port", "host:70000", "udp://h:1", "h:123456"}) {
    EXPECT_THROW(parse_host_port(bad, "tcp"), std::invalid_argument) << bad;
  }
  EXPECT_THROW(parse_host_port("tcp://h:1"), std::invalid_argument);
}

}  // namespace
}  // namespace foresight

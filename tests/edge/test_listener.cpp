// Listening sockets: port 0 gets a kernel-chosen port; a port in use or a bad address is one
// error naming the server and the address.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "edge/net/listener.hpp"

namespace foresight {
namespace {
using boost::asio::ip::tcp;

std::string error_of(tcp::acceptor& acceptor, const std::string& address, uint16_t port) {
  try {
    listen_on(acceptor, address, port, "telemetry");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(Listener, PortZeroBindsAFreePortAndATakenPortIsAClearError) {
  boost::asio::io_context io;
  tcp::acceptor first(io), second(io), third(io);
  const uint16_t port = listen_on(first, "127.0.0.1", 0, "http");
  EXPECT_GT(port, 0);
  const std::string taken = error_of(second, "127.0.0.1", port);
  EXPECT_EQ(taken.rfind("telemetry: cannot listen on 127.0.0.1:" + std::to_string(port) + ": ", 0),
            0u)
      << taken;
  EXPECT_NE(error_of(third, "999.1.1.1", 80).find("cannot listen on 999.1.1.1:80"),
            std::string::npos);
}

}  // namespace
}  // namespace foresight

// Opening a listening socket, shared by the telemetry and HTTP servers.
#pragma once
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <string>

namespace foresight {

// Opens, binds (address reuse on, so a restart does not wait out TIME_WAIT) and listens on
// ADDRESS:PORT; port 0 lets the kernel choose. Returns the bound port. Throws std::runtime_error
// "WHAT: cannot listen on ADDRESS:PORT: reason" for a bad address or a port in use.
uint16_t listen_on(boost::asio::ip::tcp::acceptor& acceptor, const std::string& address,
                   uint16_t port, const std::string& what);

}  // namespace foresight

#include "edge/net/listener.hpp"

#include <stdexcept>

namespace foresight {

uint16_t listen_on(boost::asio::ip::tcp::acceptor& acceptor, const std::string& address,
                   uint16_t port, const std::string& what) {
  using boost::asio::ip::tcp;
  try {
    const tcp::endpoint endpoint(boost::asio::ip::make_address(address), port);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen();
    return acceptor.local_endpoint().port();
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error(what + ": cannot listen on " + address + ":" + std::to_string(port) +
                             ": " + e.code().message());
  }
}

}  // namespace foresight

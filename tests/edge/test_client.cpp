#include "test_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

namespace foresight::testing {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

TestClient::TestClient(uint16_t port, int receive_buffer)
    : socket_(io_), decoder_(std::size_t{64} << 20) {
  socket_.open(tcp::v4());
  if (receive_buffer > 0)
    socket_.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
  socket_.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
}

void TestClient::send_bytes(const std::string& bytes) { asio::write(socket_, asio::buffer(bytes)); }
void TestClient::send_bytes(const std::vector<uint8_t>& bytes) {
  asio::write(socket_, asio::buffer(bytes));
}
void TestClient::send(const Envelope& message) { send_bytes(encode(message)); }
void TestClient::send_line(const std::string& json_line) {
  send_bytes(json_line.empty() || json_line.back() != '\n' ? json_line + "\n" : json_line);
}

bool TestClient::read_some(std::chrono::milliseconds timeout) {
  if (closed_) return false;
  bool done = false;
  boost::system::error_code ec;
  std::size_t n = 0;
  socket_.async_read_some(asio::buffer(buf_),
                          [&](const boost::system::error_code& e, std::size_t k) {
                            ec = e;
                            n = k;
                            done = true;
                          });
  io_.restart();
  io_.run_for(timeout);
  if (!done) {
    socket_.cancel();
    io_.restart();
    io_.run();
  }
  if (n > 0) {
    decoder_.feed(buf_.data(), n);
    lines_.append(reinterpret_cast<const char*>(buf_.data()), n);
  }
  if (ec && ec != asio::error::operation_aborted) closed_ = true;
  return n > 0;
}

std::optional<Envelope> TestClient::next(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto m = decoder_.next()) return m;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || closed_) return std::nullopt;
    read_some(left);
  }
}

std::optional<Envelope> TestClient::next_of(MessageType type, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto m = next(left);
    if (!m || type_of(m->body) == type) return m;
  }
}

std::optional<std::string> TestClient::next_line(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto nl = lines_.find('\n');
    if (nl != std::string::npos) {
      std::string line = lines_.substr(0, nl);
      lines_.erase(0, nl + 1);
      return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || closed_) return std::nullopt;
    read_some(left);
  }
}

std::optional<std::string> TestClient::next_bytes(std::size_t n,
                                                  std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (lines_.size() < n) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || closed_) return std::nullopt;
    read_some(left);
  }
  std::string out = lines_.substr(0, n);
  lines_.erase(0, n);
  return out;
}

bool TestClient::closed_within(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!closed_) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    read_some(left);
    lines_.clear();
  }
  return true;
}

void TestClient::close() {
  boost::system::error_code ignored;
  socket_.close(ignored);
  closed_ = true;
}

}  // namespace foresight::testing

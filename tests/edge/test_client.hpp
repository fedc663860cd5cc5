// A loopback client for server tests: sends raw bytes, binary messages or JSON lines, and reads
// replies with a timeout (its own io_context, run only while it waits).
#pragma once
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/protocol/binary_codec.hpp"

namespace foresight::testing {

class TestClient {
 public:
  // Connects to 127.0.0.1:port; receive_buffer > 0 sets SO_RCVBUF first (a small window makes a
  // client that stops reading stall the server quickly).
  explicit TestClient(uint16_t port, int receive_buffer = 0);

  void send_bytes(const std::string& bytes);
  void send_bytes(const std::vector<uint8_t>& bytes);
  void send(const Envelope& message);            // binary
  void send_line(const std::string& json_line);  // adds "\n" when missing

  // The next binary message, or nullopt on timeout or close.
  std::optional<Envelope> next(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // The next message of `type`, skipping others.
  std::optional<Envelope> next_of(MessageType type,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // The next JSON line (without "\n"), or nullopt on timeout or close.
  std::optional<std::string> next_line(
      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Exactly `n` raw bytes (for HTTP bodies), or nullopt on timeout or close.
  std::optional<std::string> next_bytes(
      std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Reads and discards until the server closes; returns whether it did within the timeout.
  bool closed_within(std::chrono::milliseconds timeout);
  bool closed() const { return closed_; }
  void close();

 private:
  bool read_some(std::chrono::milliseconds timeout);

  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  StreamDecoder decoder_;
  std::string lines_;
  bool closed_ = false;
  std::array<uint8_t, 64 * 1024> buf_{};
};

}  // namespace foresight::testing

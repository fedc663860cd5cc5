// StreamDecoder on a TCP-like byte stream: messages split anywhere, incomplete messages wait,
// oversized ones are refused from the header alone, and recoverable errors skip one message.
#include <gtest/gtest.h>

#include <random>

#include "common/protocol/binary_codec.hpp"
#include "test_protocol_samples.hpp"

namespace foresight {
namespace {

using testing::expect_protocol_error;

std::vector<uint8_t> concatenated(const std::vector<Envelope>& messages) {
  std::vector<uint8_t> all;
  for (const Envelope& env : messages) {
    const std::vector<uint8_t> b = encode(env);
    all.insert(all.end(), b.begin(), b.end());
  }
  return all;
}

std::vector<Envelope> drain(StreamDecoder& decoder) {
  std::vector<Envelope> out;
  while (auto env = decoder.next()) out.push_back(std::move(*env));
  return out;
}

TEST(ProtocolStream, ByteByByte) {
  const std::vector<Envelope> messages = testing::sample_messages();
  const std::vector<uint8_t> all = concatenated(messages);
  StreamDecoder decoder;
  std::vector<Envelope> got;
  for (uint8_t byte : all) {
    decoder.feed(&byte, 1);
    for (Envelope& env : drain(decoder)) got.push_back(std::move(env));
  }
  EXPECT_EQ(got, messages);
  EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(ProtocolStream, RandomChunks) {
  const std::vector<Envelope> messages = testing::sample_messages();
  const std::vector<uint8_t> all = concatenated(messages);
  std::mt19937 rng(1234);
  for (int round = 0; round < 50; ++round) {
    StreamDecoder decoder;
    std::vector<Envelope> got;
    std::size_t at = 0;
    while (at < all.size()) {
      const std::size_t n =
          std::min(all.size() - at, std::uniform_int_distribution<std::size_t>(0, 97)(rng));
      decoder.feed(all.data() + at, n);
      at += n;
      for (Envelope& env : drain(decoder)) got.push_back(std::move(env));
    }
    ASSERT_EQ(got, messages) << "round " << round;
  }
}

TEST(ProtocolStream, WholeStreamInOneFeed) {
  const std::vector<Envelope> messages = testing::sample_messages();
  const std::vector<uint8_t> all = concatenated(messages);
  StreamDecoder decoder;
  decoder.feed(all.data(), all.size());
  EXPECT_EQ(drain(decoder), messages);
}

TEST(ProtocolStream, TruncatedMessageWaitsUntilComplete) {
  const Envelope env = testing::sample_messages()[2];  // telemetry
  const std::vector<uint8_t> bytes = encode(env);
  StreamDecoder decoder;
  EXPECT_FALSE(decoder.next());  // nothing fed yet
  for (std::size_t i = 0; i + 1 < bytes.size(); ++i) {
    decoder.feed(&bytes[i], 1);
    ASSERT_FALSE(decoder.next()) << "returned a message after " << i + 1 << " of " << bytes.size();
  }
  decoder.feed(&bytes.back(), 1);
  EXPECT_EQ(decoder.next(), env);
  EXPECT_FALSE(decoder.next());
}

TEST(ProtocolStream, OversizedLengthIsRefusedFromTheHeaderAlone) {
  StreamDecoder decoder(1024);
  const std::vector<uint8_t> header = testing::raw_message(4, {}, 1, 1024 - kHeaderSize + 1);
  ASSERT_EQ(header.size(), kHeaderSize);
  decoder.feed(header.data(), header.size());
  expect_protocol_error([&] { decoder.next(); }, ErrorCode::too_large, "1025");
  EXPECT_TRUE(decoder.failed());
  EXPECT_EQ(decoder.buffered(), 0u);
  // Failed for good: later bytes are not buffered and the error repeats.
  decoder.feed(header.data(), header.size());
  EXPECT_EQ(decoder.buffered(), 0u);
  expect_protocol_error([&] { decoder.next(); }, ErrorCode::too_large);
}

TEST(ProtocolStream, MessageExactlyAtTheLimitIsAccepted) {
  const Envelope env{Header{}, Frame{FrameKind::camera, Image{ImageEncoding::jpeg, 0, 0,
                                                              std::vector<uint8_t>(100, 7)}}};
  const std::vector<uint8_t> bytes = encode(env);
  StreamDecoder exact(bytes.size());
  exact.feed(bytes.data(), bytes.size());
  EXPECT_EQ(exact.next(), env);
  StreamDecoder smaller(bytes.size() - 1);
  smaller.feed(bytes.data(), kHeaderSize);
  expect_protocol_error([&] { smaller.next(); }, ErrorCode::too_large);
}

TEST(ProtocolStream, DefaultLimitIsEightMebibytes) {
  EXPECT_EQ(StreamDecoder().max_message_bytes(), 8u << 20);
  const std::vector<uint8_t> header = testing::raw_message(4, {}, 1, (8u << 20) - kHeaderSize + 1);
  StreamDecoder decoder;
  decoder.feed(header.data(), header.size());
  expect_protocol_error([&] { decoder.next(); }, ErrorCode::too_large);
  EXPECT_THROW(StreamDecoder(kHeaderSize - 1), std::invalid_argument);
}

TEST(ProtocolStream, BadMagicIsSeenFromTheFirstByte) {
  StreamDecoder decoder;
  const uint8_t get[] = {'G'};
  decoder.feed(get, 1);
  expect_protocol_error([&] { decoder.next(); }, ErrorCode::bad_magic, "FSGT");
  expect_protocol_error([&] { decoder.next(); }, ErrorCode::bad_magic);
}

TEST(ProtocolStream, BadVersionIsSeenFromTheFifthByte) {
  StreamDecoder decoder;
  const uint8_t start[] = {'F', 'S', 'G', 'T', 2};
  decoder.feed(start, 4);
  EXPECT_FALSE(decoder.next());
  decoder.feed(start + 4, 1);
  expect_protocol_error([&] { decoder.next(); }, ErrorCode::bad_version, "version 2");
}

TEST(ProtocolStream, RecoverableErrorSkipsOnlyTheBadMessage) {
  const std::vector<Envelope> messages = testing::sample_messages();
  std::vector<uint8_t> stream = encode(messages[0]);
  // A telemetry message whose float is NaN, then one of an unknown type, then a good one.
  std::vector<uint8_t> bad_payload;
  testing::put_u32(bad_payload, 0);
  testing::put_u32(bad_payload, 1);
  testing::put_f32_bits(bad_payload, 0x7FC00000);
  testing::put_u32(bad_payload, 0);
  const std::vector<uint8_t> nan_msg = testing::raw_message(3, bad_payload);
  const std::vector<uint8_t> unknown_msg = testing::raw_message(200, {1, 2, 3});
  const std::vector<uint8_t> good = encode(messages[2]);
  stream.insert(stream.end(), nan_msg.begin(), nan_msg.end());
  stream.insert(stream.end(), unknown_msg.begin(), unknown_msg.end());
  stream.insert(stream.end(), good.begin(), good.end());

  StreamDecoder decoder;
  decoder.feed(stream.data(), stream.size());
  EXPECT_EQ(decoder.next(), messages[0]);
  expect_protocol_error([&] { decoder.next(); }, ErrorCode::non_finite, "action[0]");
  expect_protocol_error([&] { decoder.next(); }, ErrorCode::unknown_type, "200");
  EXPECT_FALSE(decoder.failed());
  EXPECT_EQ(decoder.next(), messages[2]);
  EXPECT_FALSE(decoder.next());
}

TEST(ProtocolStream, BufferStaysBoundedWhileStreaming) {
  // Many frames fed in small chunks: the consumed prefix must not accumulate.
  const Envelope env{Header{}, Frame{FrameKind::camera, testing::sample_raw_image(64, 64)}};
  const std::vector<uint8_t> bytes = encode(env);
  StreamDecoder decoder;
  std::size_t decoded = 0;
  for (int i = 0; i < 200; ++i) {
    for (std::size_t at = 0; at < bytes.size(); at += 1000) {
      decoder.feed(bytes.data() + at, std::min<std::size_t>(1000, bytes.size() - at));
      decoded += drain(decoder).size();
      ASSERT_LE(decoder.buffered(), bytes.size());
    }
  }
  EXPECT_EQ(decoded, 200u);
}

}  // namespace
}  // namespace foresight

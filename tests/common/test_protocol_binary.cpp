// Binary codec: every message type survives encode/decode, and the bytes are the documented
// little-endian layout (docs/protocol.md), independent of the host.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "common/protocol/binary_codec.hpp"
#include "test_protocol_samples.hpp"

namespace foresight {
namespace {

using testing::expect_protocol_error;
using testing::put_f32_bits;
using testing::put_u32;
using testing::put_u64;

TEST(ProtocolBinary, EveryMessageTypeRoundTrips) {
  for (const Envelope& env : testing::sample_messages()) {
    SCOPED_TRACE(to_string(type_of(env.body)));
    const std::vector<uint8_t> bytes = encode(env);
    EXPECT_EQ(decode(bytes.data(), bytes.size()), env);
  }
}

TEST(ProtocolBinary, SampleSetCoversEveryType) {
  std::vector<bool> seen(256, false);
  for (const Envelope& env : testing::sample_messages())
    seen[static_cast<uint8_t>(type_of(env.body))] = true;
  for (int t = 0; t < 256; ++t)
    EXPECT_EQ(seen[t], is_known_message_type(static_cast<uint8_t>(t))) << "type " << t;
}

TEST(ProtocolBinary, HeaderIsLittleEndianAtDocumentedOffsets) {
  Envelope env{Header{0x0102030405060708ull, 0x1112131415161718ull, 0xA1B2}, Reset{}};
  const std::vector<uint8_t> b = encode(env);
  ASSERT_EQ(b.size(), kHeaderSize);
  const std::vector<uint8_t> expected = {
      'F',  'S',  'G',  'T',                           // 0: magic
      1,                                               // 4: version
      7,                                               // 5: type RESET
      0xB2, 0xA1,                                      // 6: flags
      0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,  // 8: seq
      0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11,  // 16: timestamp_ns
      0,    0,    0,    0};                            // 24: payload_len
  EXPECT_EQ(b, expected);
  const WireHeader h = decode_header(b.data());
  EXPECT_EQ(h.type, 7);
  EXPECT_EQ(h.flags, 0xA1B2);
  EXPECT_EQ(h.seq, 0x0102030405060708ull);
  EXPECT_EQ(h.timestamp_ns, 0x1112131415161718ull);
  EXPECT_EQ(h.payload_len, 0u);
}

TEST(ProtocolBinary, TelemetryPayloadMatchesTheSpecExample) {
  // The worked example of docs/protocol.md: episode 3, action [1, -2], position [0.5].
  const std::vector<uint8_t> bytes = encode({Header{9, 0, 0}, Telemetry{3, {1.0f, -2.0f}, {0.5f}}});
  std::vector<uint8_t> payload;
  put_u32(payload, 3);
  put_u32(payload, 2);
  put_f32_bits(payload, 0x3F800000);  // 1.0f
  put_f32_bits(payload, 0xC0000000);  // -2.0f
  put_u32(payload, 1);
  put_f32_bits(payload, 0x3F000000);  // 0.5f
  ASSERT_EQ(bytes.size(), kHeaderSize + payload.size());
  EXPECT_TRUE(std::equal(payload.begin(), payload.end(), bytes.begin() + kHeaderSize));
  EXPECT_EQ(bytes[24], payload.size());
  const std::vector<uint8_t> documented = {
      0x46, 0x53, 0x47, 0x54, 0x01, 0x03, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x18, 0x00,
      0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80,
      0x3f, 0x00, 0x00, 0x00, 0xc0, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3f};
  EXPECT_EQ(bytes, documented);
}

TEST(ProtocolBinary, PredictionPayloadLayout) {
  Prediction p{0x0A0B, 2, Prediction::kMeanSample, Image{ImageEncoding::png, 64, 32, {0xAB}}};
  const std::vector<uint8_t> bytes = encode({Header{}, p});
  std::vector<uint8_t> payload;
  put_u64(payload, 0x0A0B);
  put_u32(payload, 2);
  put_u32(payload, 0xFFFFFFFF);  // -1 as two's complement
  payload.push_back(1);          // png
  put_u32(payload, 64);
  put_u32(payload, 32);
  put_u32(payload, 1);
  payload.push_back(0xAB);
  ASSERT_EQ(bytes.size(), kHeaderSize + payload.size());
  EXPECT_TRUE(std::equal(payload.begin(), payload.end(), bytes.begin() + kHeaderSize));
}

TEST(ProtocolBinary, EncodeRefusesWhatDecodeWouldRefuse) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  expect_protocol_error(
      [&] {
        encode({Header{}, Telemetry{0, {nan}, {}}});
      },
      ErrorCode::non_finite, "action[0]");
  expect_protocol_error(
      [&] {
        encode({Header{}, Telemetry{0, {}, {1, inf}}});
      },
      ErrorCode::non_finite, "position[1]");
  expect_protocol_error(
      [&] {
        encode({Header{}, Plan{{{{1}, {2}}, {{1, 2}, {3}}}}});
      },
      ErrorCode::malformed_payload, "actions[1]");
  expect_protocol_error(
      [&] {
        encode({Header{}, Plan{{{{}, {}}}}});
      },
      ErrorCode::malformed_payload, "neither");
  expect_protocol_error(
      [&] {
        encode({Header{}, Frame{FrameKind::camera, Image{ImageEncoding::raw_rgb, 2, 2, {1}}}});
      },
      ErrorCode::malformed_payload, "raw_rgb");
  expect_protocol_error(
      [&] {
        encode({Header{}, Frame{FrameKind::camera, Image{}}});
      },
      ErrorCode::malformed_payload, "'data'");
  expect_protocol_error(
      [&] {
        encode({Header{}, Prediction{1, 0, 0, Image{ImageEncoding::png, 0, 0, {1}}}});
      },
      ErrorCode::malformed_payload, "'k'");
  expect_protocol_error(
      [&] {
        encode({Header{}, Prediction{1, 1, -3, Image{ImageEncoding::png, 0, 0, {1}}}});
      },
      ErrorCode::malformed_payload, "'sample'");
  expect_protocol_error(
      [&] {
        encode({Header{}, Hello{1, ClientRole::sender, "\xff", ""}});
      },
      ErrorCode::malformed_payload, "'client'");
  Metadata not_object;
  not_object.model = nlohmann::json::array();
  expect_protocol_error(
      [&] {
        encode({Header{}, not_object});
      },
      ErrorCode::malformed_payload, "object");
}

TEST(ProtocolBinary, EmptyPlanAndEmptyTelemetryAreValid) {
  for (const Message& body : {Message{Plan{}}, Message{Telemetry{}}}) {
    const std::vector<uint8_t> bytes = encode({Header{}, body});
    EXPECT_EQ(decode(bytes.data(), bytes.size()).body, body);
  }
}

TEST(ProtocolBinary, UnknownErrorCodesSurvive) {
  const Envelope env{Header{}, ErrorMessage{static_cast<ErrorCode>(4242), "from the future"}};
  const std::vector<uint8_t> bytes = encode(env);
  EXPECT_EQ(decode(bytes.data(), bytes.size()), env);
  EXPECT_EQ(to_string(static_cast<ErrorCode>(4242)), "error_4242");
}

TEST(ProtocolBinary, EnumNamesRoundTrip) {
  for (int t = 1; t <= 10; ++t) {
    const auto type = static_cast<MessageType>(t);
    EXPECT_EQ(message_type_from_string(to_string(type)), type);
  }
  EXPECT_EQ(to_string(static_cast<MessageType>(99)), "type_99");
  EXPECT_FALSE(message_type_from_string("telemetri"));
  for (ErrorCode c : {ErrorCode::bad_magic, ErrorCode::non_finite, ErrorCode::internal})
    EXPECT_EQ(error_code_from_string(to_string(c)), c);
  EXPECT_TRUE(is_fatal(ErrorCode::bad_magic));
  EXPECT_TRUE(is_fatal(ErrorCode::too_large));
  EXPECT_FALSE(is_fatal(ErrorCode::malformed_payload));
}

}  // namespace
}  // namespace foresight

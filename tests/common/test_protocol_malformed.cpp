// Hostile and broken binary input: each case must raise ProtocolError with the documented code
// (docs/protocol.md, "Error codes") and never allocate from an unchecked count.
#include <gtest/gtest.h>

#include "common/protocol/binary_codec.hpp"
#include "common/protocol/validation.hpp"
#include "test_protocol_samples.hpp"

namespace foresight {
namespace {

using testing::expect_protocol_error;
using testing::put_f32_bits;
using testing::put_u16;
using testing::put_u32;
using testing::put_u64;
using testing::raw_message;

void expect_decode_error(const std::vector<uint8_t>& bytes, ErrorCode code,
                         const std::string& needle = "") {
  SCOPED_TRACE("one-shot decode");
  expect_protocol_error([&] { decode(bytes.data(), bytes.size()); }, code, needle);
  SCOPED_TRACE("stream decode");
  StreamDecoder decoder;
  decoder.feed(bytes.data(), bytes.size());
  expect_protocol_error([&] { decoder.next(); }, code, needle);
}

std::vector<uint8_t> telemetry_payload(uint32_t a_count, std::vector<uint32_t> a_bits,
                                       uint32_t p_count, std::vector<uint32_t> p_bits) {
  std::vector<uint8_t> p;
  put_u32(p, 1);
  put_u32(p, a_count);
  for (uint32_t b : a_bits) put_f32_bits(p, b);
  put_u32(p, p_count);
  for (uint32_t b : p_bits) put_f32_bits(p, b);
  return p;
}

TEST(ProtocolMalformed, BadMagic) {
  std::vector<uint8_t> bytes = encode({Header{}, Bye{}});
  bytes[3] = 'X';
  expect_decode_error(bytes, ErrorCode::bad_magic);
}

TEST(ProtocolMalformed, BadVersion) {
  expect_decode_error(raw_message(10, {}, 0), ErrorCode::bad_version, "version 0");
  expect_decode_error(raw_message(10, {}, 2), ErrorCode::bad_version, "version 2");
}

TEST(ProtocolMalformed, UnknownType) {
  expect_decode_error(raw_message(0, {}), ErrorCode::unknown_type, "type 0");
  expect_decode_error(raw_message(11, {}), ErrorCode::unknown_type, "type 11");
  expect_decode_error(raw_message(255, {1}), ErrorCode::unknown_type);
}

TEST(ProtocolMalformed, LengthOverTheLimit) {
  const std::vector<uint8_t> header = raw_message(4, {}, 1, 0xFFFFFFFF);
  expect_protocol_error([&] { decode(header.data(), header.size()); }, ErrorCode::too_large);
}

TEST(ProtocolMalformed, OneShotDecodeNeedsExactlyOneMessage) {
  std::vector<uint8_t> bytes = encode({Header{}, Bye{}});
  expect_protocol_error([&] { decode(bytes.data(), bytes.size() - 1); },
                        ErrorCode::malformed_payload, "shorter than the header");
  bytes.push_back(0);
  expect_protocol_error([&] { decode(bytes.data(), bytes.size()); }, ErrorCode::malformed_payload,
                        "announces");
}

TEST(ProtocolMalformed, PayloadTooShortForItsCounts) {
  // action count 4 but only 2 floats follow.
  expect_decode_error(raw_message(3, telemetry_payload(4, {0, 0}, 0, {})),
                      ErrorCode::malformed_payload, "'action'");
  // position count missing entirely.
  std::vector<uint8_t> p;
  put_u32(p, 1);
  put_u32(p, 0);
  expect_decode_error(raw_message(3, p), ErrorCode::malformed_payload, "'position'");
  // Image byte count larger than what remains.
  std::vector<uint8_t> frame = {0, 1};
  put_u32(frame, 0);
  put_u32(frame, 0);
  put_u32(frame, 10);
  frame.push_back(1);
  expect_decode_error(raw_message(4, frame), ErrorCode::malformed_payload, "'data'");
}

TEST(ProtocolMalformed, AbsurdCountsAreRefusedWithoutAllocating) {
  // 2^31 floats claimed by a 10-byte payload.
  std::vector<uint8_t> p;
  put_u32(p, 1);
  put_u32(p, 0x80000000u);
  p.push_back(0);
  p.push_back(0);
  ASSERT_EQ(p.size(), 10u);
  expect_decode_error(raw_message(3, p), ErrorCode::malformed_payload, "2147483648");
  // String of 4 GiB - 1 bytes in a HELLO.
  std::vector<uint8_t> hello;
  put_u16(hello, 1);
  hello.push_back(0);
  put_u32(hello, 0xFFFFFFFFu);
  expect_decode_error(raw_message(1, hello), ErrorCode::malformed_payload, "'client'");
  // Plan whose K * (A + P) * 4 overflows 32 bits (and would overflow 64 bits if multiplied).
  std::vector<uint8_t> plan;
  put_u32(plan, 0xFFFFFFFFu);
  put_u32(plan, 0xFFFFFFFFu);
  put_u32(plan, 0xFFFFFFFFu);
  expect_decode_error(raw_message(5, plan), ErrorCode::malformed_payload, "'steps'");
  // Plan of 2^32-1 zero-width steps: costs no bytes, so it must be refused before allocation.
  std::vector<uint8_t> empty_steps;
  put_u32(empty_steps, 0xFFFFFFFFu);
  put_u32(empty_steps, 0);
  put_u32(empty_steps, 0);
  expect_decode_error(raw_message(5, empty_steps), ErrorCode::malformed_payload, "neither");
}

TEST(ProtocolMalformed, NonFiniteFloats) {
  for (uint32_t bits : {0x7FC00000u /* NaN */, 0x7F800000u /* +inf */, 0xFF800000u /* -inf */,
                        0x7F800001u /* signalling NaN */}) {
    expect_decode_error(raw_message(3, telemetry_payload(1, {0}, 2, {0, bits})),
                        ErrorCode::non_finite, "position[1]");
  }
  std::vector<uint8_t> plan;
  put_u32(plan, 2);
  put_u32(plan, 1);
  put_u32(plan, 1);
  for (uint32_t b : {0u, 0u, 0x3F800000u, 0x7F800000u}) put_f32_bits(plan, b);
  expect_decode_error(raw_message(5, plan), ErrorCode::non_finite, "positions[1][0]");
}

TEST(ProtocolMalformed, TrailingBytesAreRefused) {
  std::vector<uint8_t> p = telemetry_payload(0, {}, 0, {});
  p.push_back(0);
  expect_decode_error(raw_message(3, p), ErrorCode::malformed_payload, "unexpected bytes");
  expect_decode_error(raw_message(7, {0}), ErrorCode::malformed_payload, "reset");
}

TEST(ProtocolMalformed, BadEnumValues) {
  std::vector<uint8_t> frame = {9, 1};  // kind 9
  put_u32(frame, 0);
  put_u32(frame, 0);
  put_u32(frame, 1);
  frame.push_back(0);
  expect_decode_error(raw_message(4, frame), ErrorCode::malformed_payload, "'kind'");
  frame[0] = 0;
  frame[1] = 3;  // encoding 3
  expect_decode_error(raw_message(4, frame), ErrorCode::malformed_payload, "'encoding'");
  std::vector<uint8_t> hello;
  put_u16(hello, 1);
  hello.push_back(2);  // role 2
  put_u32(hello, 0);
  put_u32(hello, 0);
  expect_decode_error(raw_message(1, hello), ErrorCode::malformed_payload, "'role'");
  std::vector<uint8_t> subscribe;
  put_u32(subscribe, 0);
  subscribe.push_back(8);
  expect_decode_error(raw_message(8, subscribe), ErrorCode::malformed_payload, "'want'");
}

TEST(ProtocolMalformed, RawImageSizeMustMatch) {
  std::vector<uint8_t> frame = {0, 2};
  put_u32(frame, 0x80000000u);  // width * height * 3 overflows 64 bits when multiplied
  put_u32(frame, 0x80000000u);
  put_u32(frame, 3);
  frame.insert(frame.end(), {1, 2, 3});
  expect_decode_error(raw_message(4, frame), ErrorCode::malformed_payload, "raw_rgb");
}

TEST(ProtocolMalformed, PredictionFieldRanges) {
  auto prediction = [](uint32_t k, uint32_t sample) {
    std::vector<uint8_t> p;
    put_u64(p, 1);
    put_u32(p, k);
    put_u32(p, sample);
    p.push_back(0);
    put_u32(p, 0);
    put_u32(p, 0);
    put_u32(p, 1);
    p.push_back(0xFF);
    return raw_message(6, p);
  };
  const std::vector<uint8_t> ok = prediction(1, 0xFFFFFFFE);  // std image
  EXPECT_EQ(std::get<Prediction>(decode(ok.data(), ok.size()).body).sample, Prediction::kStdSample);
  expect_decode_error(prediction(0, 0), ErrorCode::malformed_payload, "'k'");
  expect_decode_error(prediction(1, 0xFFFFFFFD), ErrorCode::malformed_payload, "'sample'");
}

TEST(ProtocolMalformed, TextMustBeUtf8) {
  std::vector<uint8_t> error;
  put_u16(error, 5);
  put_u32(error, 2);
  error.insert(error.end(), {0xC0, 0x80});  // overlong NUL
  expect_decode_error(raw_message(9, error), ErrorCode::malformed_payload, "'message'");
}

TEST(ProtocolMalformed, MetadataMustBeAShallowJsonObject) {
  auto metadata = [](const std::string& text) {
    std::vector<uint8_t> p;
    put_u32(p, static_cast<uint32_t>(text.size()));
    p.insert(p.end(), text.begin(), text.end());
    return raw_message(2, p);
  };
  expect_decode_error(metadata("{\"a\":"), ErrorCode::malformed_payload, "invalid JSON");
  expect_decode_error(metadata("[1,2]"), ErrorCode::malformed_payload, "object");
  expect_decode_error(metadata("{\"a\":1e999}"), ErrorCode::malformed_payload, "invalid JSON");
  expect_decode_error(
      metadata("{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}"),
      ErrorCode::malformed_payload, "deeper");
  const std::vector<uint8_t> ok = metadata("{\"action_dim\": 4}");
  EXPECT_EQ(std::get<Metadata>(decode(ok.data(), ok.size()).body).model["action_dim"], 4);
}

}  // namespace
}  // namespace foresight

namespace foresight {
namespace {

// What a peer sends reaches the log as one line of our own text: no newline or terminal escape
// of theirs, no byte that is not UTF-8, and not more than about the limit.
TEST(PrintableText, EscapesControlAndNonUtf8BytesAndKeepsUtf8) {
  EXPECT_EQ(printable_text("robot-7", 300), "robot-7");
  EXPECT_EQ(printable_text("a\nb\r\x1b[31mc\x7f", 300), "a\\x0ab\\x0d\\x1b[31mc\\x7f");
  EXPECT_EQ(printable_text("caf\xc3\xa9 \xe2\x82\xac", 300), "caf\xc3\xa9 \xe2\x82\xac");
  EXPECT_EQ(printable_text("\xf9W\xd6\xc3", 300), "\\xf9W\\xd6\\xc3");  // libpng's kind of bytes
  EXPECT_EQ(printable_text(std::string(1000, 'x'), 10), std::string(10, 'x') + "...");
  EXPECT_TRUE(is_valid_utf8(printable_text("\xed\xa0\x80\xc0\xaf", 300)));  // surrogate, overlong
  EXPECT_EQ(printable_text(std::string("a\0b", 3), 300), "a\\x00b");
}

}  // namespace
}  // namespace foresight

// Shared fixtures for the protocol tests: one valid message of every type, hand-built raw
// messages for malformed-input cases, and an assertion for ProtocolError codes.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/protocol/binary_codec.hpp"
#include "common/protocol/messages.hpp"
#include "common/protocol/protocol_error.hpp"

namespace foresight::testing {

inline Image sample_raw_image(uint32_t w, uint32_t h) {
  Image image{ImageEncoding::raw_rgb, w, h, {}};
  for (uint32_t i = 0; i < w * h * 3; ++i) image.bytes.push_back(static_cast<uint8_t>(i * 7));
  return image;
}

// One message of every type, with non-default values in every field (so a dropped field shows).
inline std::vector<Envelope> sample_messages() {
  std::vector<Envelope> out;
  auto add = [&out](uint64_t seq, Message body) {
    out.push_back(Envelope{Header{seq, 1'700'000'000'123'456'789ull + seq, 0}, std::move(body)});
  };
  add(1, Hello{1, ClientRole::viewer, "robot-7 \xc3\xa9", "s3cret"});
  Metadata meta;
  meta.model = {{"action_dim", 4},
                {"position_dim", 3},
                {"horizon", 10},
                {"image_size", 64},
                {"condition_names", {"action_dx", "eef_z"}},
                {"fps", 10.5}};
  add(2, meta);
  add(3, Telemetry{42, {0.1f, -0.25f, 1e-7f, 1.0f}, {0.5f, 0.2f, -3.75e5f}});
  add(3, Frame{FrameKind::camera, Image{ImageEncoding::jpeg, 64, 64, {0xFF, 0xD8, 0xFF, 0xD9}}});
  add(3, Frame{FrameKind::label, sample_raw_image(4, 2)});
  add(3, Plan{{{{0.1f, 0.2f, 0.3f, 0.4f}, {1, 2, 3}}, {{-0.1f, -0.2f, -0.3f, -0.4f}, {4, 5, 6}}}});
  add(4, Prediction{3, 5, 2, Image{ImageEncoding::png, 64, 64, {0x89, 'P', 'N', 'G', 0, 1}}});
  add(5, Prediction{3, 1, Prediction::kMeanSample, sample_raw_image(2, 2)});
  add(6, Prediction{3, 10, Prediction::kStdSample, sample_raw_image(1, 1)});
  add(7, Reset{});
  add(8, Subscribe{4, true, false, true});
  add(9, ErrorMessage{ErrorCode::dimension_mismatch, "action has 3 values, the model wants 4"});
  add(10, Bye{});
  out.back().header.flags = 0x8001;  // unknown flag bits must survive a round trip
  return out;
}

inline void put_u16(std::vector<uint8_t>& b, uint16_t v) {
  for (int i = 0; i < 2; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
inline void put_u32(std::vector<uint8_t>& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
inline void put_u64(std::vector<uint8_t>& b, uint64_t v) {
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
inline void put_f32_bits(std::vector<uint8_t>& b, uint32_t bits) { put_u32(b, bits); }

// A message with a hand-written payload; payload_len defaults to the payload's real size.
inline std::vector<uint8_t> raw_message(uint8_t type, const std::vector<uint8_t>& payload,
                                        uint8_t version = kProtocolVersion,
                                        int64_t payload_len = -1) {
  std::vector<uint8_t> b = {'F', 'S', 'G', 'T', version, type};
  put_u16(b, 0);
  put_u64(b, 77);
  put_u64(b, 123);
  put_u32(b, payload_len < 0 ? static_cast<uint32_t>(payload.size())
                             : static_cast<uint32_t>(payload_len));
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

// Runs `fn`, expecting ProtocolError with `code` whose message contains `needle`.
inline void expect_protocol_error(const std::function<void()>& fn, ErrorCode code,
                                  const std::string& needle = "") {
  try {
    fn();
    ADD_FAILURE() << "expected ProtocolError " << to_string(code) << ", nothing was thrown";
  } catch (const ProtocolError& e) {
    EXPECT_EQ(to_string(e.code()), to_string(code)) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "message \"" << e.what() << "\" lacks \"" << needle << "\"";
  }
}

}  // namespace foresight::testing

// JSON-lines mode: every message round-trips, lines typed by hand (ints for floats, no seq, CRLF)
// parse, and every error names the field at fault.
#include <gtest/gtest.h>

#include <limits>

#include "common/protocol/base64.hpp"
#include "common/protocol/binary_codec.hpp"
#include "common/protocol/json_line_decoder.hpp"
#include "common/protocol/json_lines.hpp"
#include "common/protocol/wire_mode.hpp"
#include "test_protocol_samples.hpp"

namespace foresight {
namespace {

using testing::expect_protocol_error;

TEST(ProtocolJson, EveryMessageTypeRoundTrips) {
  for (const Envelope& env : testing::sample_messages()) {
    SCOPED_TRACE(to_string(type_of(env.body)));
    const std::string line = to_json_line(env);
    ASSERT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line per message";
    EXPECT_EQ(line.rfind("{\"type\":\"" + to_string(type_of(env.body)) + "\",", 0), 0u) << line;
    HeaderPresence present;
    EXPECT_EQ(parse_json_line(line, &present), env);
    EXPECT_TRUE(present.seq);
    EXPECT_TRUE(present.timestamp_ns);
  }
}

TEST(ProtocolJson, JsonAndBinaryCarryTheSameMessages) {
  for (const Envelope& env : testing::sample_messages()) {
    const std::vector<uint8_t> bytes = encode(parse_json_line(to_json_line(env)));
    EXPECT_EQ(decode(bytes.data(), bytes.size()), env);
  }
}

TEST(ProtocolJson, HandTypedTelemetryLine) {
  // What a person types into nc: integers for floats, no seq or timestamp, CRLF from telnet.
  HeaderPresence present{true, true};
  const Envelope env = parse_json_line(
      "{\"type\":\"telemetry\",\"action\":[0.1, 0, 0, 1],\"position\":[1e-1,2,3]}\r\n", &present);
  EXPECT_FALSE(present.seq);
  EXPECT_FALSE(present.timestamp_ns);
  const auto& t = std::get<Telemetry>(env.body);
  EXPECT_EQ(t.episode_id, 0u);
  EXPECT_EQ(t.action, (std::vector<float>{0.1f, 0, 0, 1}));
  EXPECT_EQ(t.position, (std::vector<float>{0.1f, 2, 3}));
}

TEST(ProtocolJson, IntegerFieldsAcceptIntegralFloats) {
  const Envelope env =
      parse_json_line(R"({"type":"telemetry","seq":12.0,"episode":3e0,"action":[],"position":[]})");
  EXPECT_EQ(env.header.seq, 12u);
  EXPECT_EQ(std::get<Telemetry>(env.body).episode_id, 3u);
  expect_protocol_error([] { parse_json_line(R"({"type":"reset","seq":1.5})"); },
                        ErrorCode::malformed_payload, "'seq'");
  expect_protocol_error([] { parse_json_line(R"({"type":"reset","seq":-1})"); },
                        ErrorCode::malformed_payload, "'seq'");
  expect_protocol_error(
      [] {
        parse_json_line(R"({"type":"telemetry","episode":4294967296,"action":[],"position":[]})");
      },
      ErrorCode::malformed_payload, "'episode'");
}

// The largest float32 survives JSON both ways: its shortest decimal text is a little above it as
// a double and must still read as FLT_MAX (the fuzzer found binary -> JSON -> binary failing).
TEST(ProtocolJson, TheLargestFloat32RoundTrips) {
  Telemetry t;
  t.action = {std::numeric_limits<float>::max(), -std::numeric_limits<float>::max(), 0, 1};
  t.position = {0, 0, 0};
  const Envelope env{{1, 0, 0}, t};
  EXPECT_EQ(parse_json_line(to_json_line(env)), env);
  const Envelope typed =
      parse_json_line(R"({"type":"telemetry","action":[3.4028235e38,0,0,1],"position":[0,0,0]})");
  EXPECT_EQ(std::get<Telemetry>(typed.body).action[0], std::numeric_limits<float>::max());
  try {
    parse_json_line(R"({"type":"telemetry","action":[3.4028236e38,0,0,1],"position":[0,0,0]})");
    ADD_FAILURE() << "accepted a number that rounds to infinity as float32";
  } catch (const ProtocolError& e) {
    EXPECT_EQ(e.code(), ErrorCode::non_finite);
  }
}

TEST(ProtocolJson, FloatsAreWrittenShortest) {
  const std::string line = to_json_line({Header{1, 2, 0}, Telemetry{0, {0.1f, 1.0f}, {-2.5f}}});
  EXPECT_NE(line.find("\"action\":[0.1,1.0]"), std::string::npos) << line;
  EXPECT_NE(line.find("\"position\":[-2.5]"), std::string::npos) << line;
}

TEST(ProtocolJson, DefaultsForOptionalFields) {
  const Envelope hello = parse_json_line(R"({"type":"hello"})");
  EXPECT_EQ(std::get<Hello>(hello.body), Hello{});
  const Envelope sub = parse_json_line(R"({"type":"subscribe","std":false})");
  EXPECT_EQ(std::get<Subscribe>(sub.body), (Subscribe{0, true, true, false}));
  const Envelope frame = parse_json_line(R"({"type":"frame","encoding":"png","data":"iVBORw=="})");
  const auto& f = std::get<Frame>(frame.body);
  EXPECT_EQ(f.kind, FrameKind::camera);
  EXPECT_EQ(f.image.bytes, (std::vector<uint8_t>{0x89, 'P', 'N', 'G'}));
  const Envelope mean = parse_json_line(
      R"({"type":"prediction","frame_seq":3,"k":1,"sample":-1,"encoding":"png","data":"AA=="})");
  EXPECT_EQ(std::get<Prediction>(mean.body).sample, Prediction::kMeanSample);
  const Envelope err = parse_json_line(R"({"type":"error","code":17})");
  EXPECT_EQ(std::get<ErrorMessage>(err.body).code, ErrorCode::dimension_mismatch);
}

TEST(ProtocolJson, ErrorsNameTheField) {
  struct Case {
    const char* line;
    ErrorCode code;
    const char* needle;
  };
  const Case cases[] = {
      {R"({"type":"telemetry","position":[]})", ErrorCode::malformed_payload,
       "'action' is missing"},
      {R"({"type":"telemetry","action":"fast","position":[]})", ErrorCode::malformed_payload,
       "'action'"},
      {R"({"type":"telemetry","action":[1,"x"],"position":[]})", ErrorCode::malformed_payload,
       "'action[1]'"},
      {R"({"type":"telemetry","action":[],"position":[1e39]})", ErrorCode::non_finite,
       "'position[0]'"},
      {R"({"type":"telemetry","action":[],"postion":[]})", ErrorCode::malformed_payload,
       "'position'"},
      {R"({"type":"telemetry","action":[],"position":[],"postion":[]})",
       ErrorCode::malformed_payload, "unknown field 'postion'"},
      {R"({"type":"telemetri"})", ErrorCode::unknown_type, "'type'"},
      {R"({"seq":1})", ErrorCode::malformed_payload, "'type' is missing"},
      {R"({"type":7})", ErrorCode::malformed_payload, "'type'"},
      {R"([1,2])", ErrorCode::malformed_payload, "object"},
      {R"({"type":"telemetry",)", ErrorCode::malformed_payload, "invalid JSON"},
      {"", ErrorCode::malformed_payload, "invalid JSON"},
      {R"({"type":"frame","encoding":"gif","data":"AA=="})", ErrorCode::malformed_payload,
       "'encoding'"},
      {R"({"type":"frame","kind":"depth","encoding":"png","data":"AA=="})",
       ErrorCode::malformed_payload, "'kind'"},
      {R"({"type":"frame","encoding":"png","data":"A"})", ErrorCode::malformed_payload, "'data'"},
      {R"({"type":"frame","encoding":"png","data":"AA=A"})", ErrorCode::malformed_payload,
       "'data'"},
      {R"({"type":"frame","encoding":"raw_rgb","width":2,"height":2,"data":"AAAA"})",
       ErrorCode::malformed_payload, "raw_rgb"},
      {R"({"type":"plan","actions":[[1]],"positions":[]})", ErrorCode::malformed_payload,
       "'positions'"},
      {R"({"type":"plan","actions":[[1],[1,2]],"positions":[[],[]]})", ErrorCode::malformed_payload,
       "'actions[1]'"},
      {R"({"type":"prediction","frame_seq":1,"k":0,"sample":0,"encoding":"png","data":"AA=="})",
       ErrorCode::malformed_payload, "'k'"},
      {R"({"type":"prediction","frame_seq":1,"k":1,"sample":"median","encoding":"png","data":"AA=="})",
       ErrorCode::malformed_payload, "'sample'"},
      {R"({"type":"hello","role":"admin"})", ErrorCode::malformed_payload, "'role'"},
      {R"({"type":"hello","version":65536})", ErrorCode::malformed_payload, "'version'"},
      {R"({"type":"subscribe","mean":1})", ErrorCode::malformed_payload, "'mean'"},
      {R"({"type":"metadata","metadata":[]})", ErrorCode::malformed_payload, "'metadata'"},
      {R"({"type":"error","code":"oops"})", ErrorCode::malformed_payload, "'code'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.line);
    expect_protocol_error([&] { parse_json_line(c.line); }, c.code, c.needle);
  }
}

TEST(ProtocolJson, DeepNestingIsRefused) {
  const std::string deep = R"({"type":"metadata","metadata":{"x":)" + std::string(5000, '[') +
                           std::string(5000, ']') + "}}";
  expect_protocol_error([&] { parse_json_line(deep); }, ErrorCode::malformed_payload, "deeper");
}

TEST(ProtocolJson, LineDecoderSplitsAndSkipsBlankLines) {
  const std::string stream =
      "\r\n{\"type\":\"reset\",\"seq\":1}\r\n   \n{\"type\":\"bye\"}\n{\"type\":\"res";
  JsonLineDecoder decoder;
  std::vector<Envelope> got;
  for (char c : stream) {
    decoder.feed(reinterpret_cast<const uint8_t*>(&c), 1);
    while (auto env = decoder.next()) got.push_back(*env);
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], (Envelope{Header{1, 0, 0}, Reset{}}));
  EXPECT_EQ(got[1], (Envelope{Header{}, Bye{}}));
  const std::string rest = "et\"}\n";
  decoder.feed(reinterpret_cast<const uint8_t*>(rest.data()), rest.size());
  EXPECT_EQ(decoder.next(), (Envelope{Header{}, Reset{}}));
}

TEST(ProtocolJson, LineDecoderSkipsABadLineAndRefusesALongOne) {
  JsonLineDecoder decoder(64);
  const std::string text = "{\"type\":\"nope\"}\n{\"type\":\"bye\"}\n";
  decoder.feed(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  expect_protocol_error([&] { decoder.next(); }, ErrorCode::unknown_type);
  EXPECT_EQ(decoder.next(), (Envelope{Header{}, Bye{}}));
  const std::string long_line(65, ' ');
  decoder.feed(reinterpret_cast<const uint8_t*>(long_line.data()), long_line.size());
  expect_protocol_error([&] { decoder.next(); }, ErrorCode::too_large, "64");
  EXPECT_TRUE(decoder.failed());
  expect_protocol_error([&] { decoder.next(); }, ErrorCode::too_large);
}

TEST(ProtocolJson, WireModeFromTheFirstByte) {
  EXPECT_EQ(detect_wire_mode('F'), WireMode::binary);
  EXPECT_EQ(detect_wire_mode('{'), WireMode::json_lines);
  EXPECT_EQ(detect_wire_mode('\n'), WireMode::json_lines);
  expect_protocol_error([] { detect_wire_mode('G'); }, ErrorCode::bad_magic);
  expect_protocol_error([] { detect_wire_mode(0x16); }, ErrorCode::bad_magic);  // TLS hello
}

TEST(ProtocolBase64, RoundTripAndStrictness) {
  for (std::size_t n = 0; n < 10; ++n) {
    std::vector<uint8_t> bytes;
    for (std::size_t i = 0; i < n; ++i) bytes.push_back(static_cast<uint8_t>(250 + i * 3));
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes) << n;
  }
  EXPECT_EQ(base64_encode({'f', 'o', 'o', 'b'}), "Zm9vYg==");
  EXPECT_FALSE(base64_decode("Zm9vYg="));   // length not a multiple of 4
  EXPECT_FALSE(base64_decode("Zm9v!g=="));  // foreign character
  EXPECT_FALSE(base64_decode("Zm=vYg=="));  // '=' inside
  EXPECT_FALSE(base64_decode("Zm9vY==="));  // three '='
  EXPECT_FALSE(base64_decode("===="));
  EXPECT_EQ(base64_decode(""), std::vector<uint8_t>());
}

}  // namespace
}  // namespace foresight

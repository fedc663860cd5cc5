// The telemetry server on loopback: handshake, both wire modes, steps and predictions, every
// kind of faulty input (answered with ERROR; fatal ones close that client only), silent and
// stalled clients, disconnects mid-message, tokens, viewers and their bounded queues.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "common/protocol/json_lines.hpp"
#include "common/world/dance_world.hpp"
#include "server_harness.hpp"
#include "session_helpers.hpp"
#include "test_client.hpp"

namespace foresight {
namespace {
using namespace std::chrono_literals;
using testing::ServerHarness;
using testing::TestClient;

Envelope hello(ClientRole role = ClientRole::sender, const std::string& token = "") {
  Hello h;
  h.role = role;
  h.client_name = "test";
  h.token = token;
  return {{0, 0, 0}, h};
}

// Sends step `seq` of `world` (FRAME then TELEMETRY, binary) and advances the world.
void send_step(TestClient& c, PushingWorld& world, uint64_t seq) {
  c.send({{seq, 5000 + seq, 0}, testing::camera_frame(world.render())});
  c.send({{seq, 5000 + seq, 0}, testing::telemetry_of(world)});
  world.step();
}

void expect_error(TestClient& c, ErrorCode code) {
  auto m = c.next_of(MessageType::error);
  ASSERT_TRUE(m.has_value()) << "no ERROR " << to_string(code);
  EXPECT_EQ(std::get<ErrorMessage>(m->body).code, code) << std::get<ErrorMessage>(m->body).message;
}

// The server still answers HELLO on this connection.
void expect_alive(TestClient& c) {
  c.send(hello());
  auto m = c.next_of(MessageType::metadata);
  ASSERT_TRUE(m.has_value()) << "connection no longer served";
}

void set_u32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}

TEST(TelemetryServer, HelloIsAnsweredWithTheModelMetadata) {
  ServerHarness h;
  TestClient c(h.port());
  c.send(hello());
  auto m = c.next();
  ASSERT_TRUE(m.has_value());
  const auto& meta = std::get<Metadata>(m->body).model;
  EXPECT_EQ(meta.at("image_size"), 64);
  EXPECT_EQ(meta.at("action_dim"), 4);
  EXPECT_EQ(meta.at("stream").at("samples"), 1);
  EXPECT_EQ(meta.at("stream").at("encoding"), "png");
}

TEST(TelemetryServer, BinaryStepsArePredictedAndTimestampsEchoed) {
  ServerHarness h;
  TestClient c(h.port());
  PushingWorld world(3);
  for (uint64_t s = 1; s <= 3; ++s) {
    send_step(c, world, s);
    auto m = c.next_of(MessageType::prediction);
    ASSERT_TRUE(m.has_value()) << s;
    const auto& p = std::get<Prediction>(m->body);
    EXPECT_EQ(p.frame_seq, s);
    EXPECT_EQ(p.k, 1u);
    EXPECT_EQ(p.image.encoding, ImageEncoding::png);
    EXPECT_EQ(p.image.width, 64u);
    EXPECT_EQ(m->header.timestamp_ns, 5000 + s);
  }
}

// Lines as a person types them into nc: no seq, no timestamp.
std::string nc_line(const Envelope& e) {
  auto j = nlohmann::json::parse(to_json_line(e));
  j.erase("seq");
  j.erase("timestamp_ns");
  return j.dump();
}

TEST(TelemetryServer, JsonLinesWithoutSeqFormConsecutiveSteps) {
  ServerHarness h;
  TestClient c(h.port());
  PushingWorld world(4);
  c.send_line(R"({"type":"hello","client":"nc"})");
  auto meta = c.next_line();
  ASSERT_TRUE(meta.has_value());
  EXPECT_EQ(parse_json_line(*meta).body.index(), Message(Metadata{}).index());
  for (uint64_t s = 1; s <= 2; ++s) {
    c.send_line(nc_line({{}, testing::telemetry_of(world)}));
    c.send_line(nc_line({{}, testing::camera_frame(world.render())}));
    world.step();
    auto line = c.next_line();
    ASSERT_TRUE(line.has_value()) << s;
    const Envelope e = parse_json_line(*line);
    ASSERT_TRUE(std::holds_alternative<Prediction>(e.body)) << *line;
    EXPECT_EQ(std::get<Prediction>(e.body).frame_seq, s);
  }
  EXPECT_EQ(h.metrics.resets.load(), 1u);  // no gap between the implicit steps
}

TEST(TelemetryServer, PoseStepsWithoutSeqAreACameraAndALabelLine) {
  // A pose model: the camera frame and the next pose form the step; TELEMETRY is refused and
  // does not disturb the implicit numbering.
  ServerHarness h(testing::tiny_pose_model(".ptl"), {}, {});
  TestClient c(h.port());
  DanceWorld world(4);
  for (uint64_t s = 1; s <= 2; ++s) {
    DanceWorld next = world;
    next.step();
    Frame label = testing::camera_frame(next.render_label());
    label.kind = FrameKind::label;
    c.send_line(nc_line({{}, testing::camera_frame(world.render_frame())}));
    if (s == 2) {
      c.send_line(R"({"type":"telemetry","action":[0,0,0,0],"position":[0,0,0]})");
      auto err = c.next_line();
      ASSERT_TRUE(err.has_value());
      const Envelope e = parse_json_line(*err);
      ASSERT_TRUE(std::holds_alternative<ErrorMessage>(e.body)) << *err;
      EXPECT_EQ(std::get<ErrorMessage>(e.body).code, ErrorCode::unexpected_message);
    }
    c.send_line(nc_line({{}, label}));
    world = next;
    auto line = c.next_line();
    ASSERT_TRUE(line.has_value()) << s;
    const Envelope e = parse_json_line(*line);
    ASSERT_TRUE(std::holds_alternative<Prediction>(e.body)) << *line;
    EXPECT_EQ(std::get<Prediction>(e.body).frame_seq, s);
    EXPECT_EQ(std::get<Prediction>(e.body).image.height, 32u);
  }
  EXPECT_EQ(h.metrics.resets.load(), 1u);
}

TEST(TelemetryServer, MalformedPayloadAndUnknownTypeAreErrorsButTheConnectionLives) {
  ServerHarness h;
  TestClient c(h.port());
  std::vector<uint8_t> bad_hello = encode(hello());
  bad_hello.pop_back();
  set_u32(bad_hello, 24, static_cast<uint32_t>(bad_hello.size() - kHeaderSize));
  c.send_bytes(bad_hello);
  expect_error(c, ErrorCode::malformed_payload);
  expect_alive(c);

  std::vector<uint8_t> unknown = encode({{}, Reset{}});
  unknown[5] = 77;
  c.send_bytes(unknown);
  expect_error(c, ErrorCode::unknown_type);
  expect_alive(c);

  c.send({{}, Prediction{1, 1, 0, testing::png_of(cv::Mat(4, 4, CV_8UC3, cv::Scalar(1, 2, 3)))}});
  expect_error(c, ErrorCode::unexpected_message);
  expect_alive(c);
  EXPECT_EQ(h.metrics.protocol_errors.load(), 3u);
}

TEST(TelemetryServer, BadMagicClosesOnlyThatClient) {
  ServerHarness h;
  TestClient good(h.port());
  good.send(hello());
  ASSERT_TRUE(good.next_of(MessageType::metadata).has_value());
  TestClient http(h.port());
  http.send_bytes(std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  expect_error(http, ErrorCode::bad_magic);
  EXPECT_TRUE(http.closed_within(5s));
  PushingWorld world(1);
  send_step(good, world, 1);
  EXPECT_TRUE(good.next_of(MessageType::prediction).has_value());
}

TEST(TelemetryServer, ALengthOverTheLimitIsTooLargeAndCloses) {
  TelemetryServerOptions opt;
  opt.max_message_bytes = 4096;
  ServerHarness h(opt);
  TestClient c(h.port());
  std::vector<uint8_t> header = encode({{}, Reset{}});
  set_u32(header, 24, 1u << 20);
  c.send_bytes(header);
  expect_error(c, ErrorCode::too_large);
  EXPECT_TRUE(c.closed_within(5s));

  TestClient j(h.port());
  j.send_line("{\"type\":\"hello\",\"client\":\"" + std::string(5000, 'x') + "\"}");
  auto line = j.next_line();
  ASSERT_TRUE(line.has_value());
  EXPECT_NE(line->find("too_large"), std::string::npos) << *line;
  EXPECT_TRUE(j.closed_within(5s));
}

TEST(TelemetryServer, NonFiniteNumbersAreRefused) {
  ServerHarness h;
  TestClient c(h.port());
  PushingWorld world(2);
  std::vector<uint8_t> t = encode({{1, 0, 0}, testing::telemetry_of(world)});
  // Payload: episode u32, action count u32, action[0] f32 at payload offset 8.
  set_u32(t, kHeaderSize + 8, 0x7fc00000u);  // NaN
  c.send_bytes(t);
  expect_error(c, ErrorCode::non_finite);
  expect_alive(c);

  TestClient j(h.port());
  j.send_line(R"({"type":"telemetry","seq":1,"action":[1e39,0,0,1],"position":[0,0,0]})");
  auto line = j.next_line();
  ASSERT_TRUE(line.has_value());
  EXPECT_NE(line->find("non_finite"), std::string::npos) << *line;
}

TEST(TelemetryServer, BadFramesAndWrongDimensionsAreRefused) {
  ServerHarness h;
  TestClient c(h.port());
  PushingWorld world(2);

  Frame junk;
  junk.image.encoding = ImageEncoding::jpeg;
  junk.image.bytes = {0xff, 0xd8, 0xff, 0x00, 0x13};
  c.send({{1, 0, 0}, junk});
  expect_error(c, ErrorCode::malformed_payload);

  Frame misdeclared = testing::camera_frame(world.render());
  misdeclared.image.width = 32;
  c.send({{1, 0, 0}, misdeclared});
  expect_error(c, ErrorCode::malformed_payload);

  Frame raw;
  raw.image.encoding = ImageEncoding::raw_rgb;
  raw.image.width = 4;
  raw.image.height = 4;
  raw.image.bytes.assign(48, 7);
  std::vector<uint8_t> bytes = encode({{1, 0, 0}, raw});
  set_u32(bytes, kHeaderSize + 2, 5);  // width 5: 48 bytes no longer fit 5x4x3
  c.send_bytes(bytes);
  expect_error(c, ErrorCode::malformed_payload);

  Telemetry t = testing::telemetry_of(world);
  t.action.push_back(0);
  c.send({{12, 0, 0}, t});
  auto m = c.next_of(MessageType::error);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(std::get<ErrorMessage>(m->body).code, ErrorCode::dimension_mismatch);
  EXPECT_EQ(m->header.seq, 12u);  // names the offending message
  expect_alive(c);
}

TEST(TelemetryServer, ASilentClientIsClosedButASubscribedViewerMayListen) {
  TelemetryServerOptions opt;
  opt.idle_timeout = 300ms;
  ServerHarness h(opt);
  TestClient silent(h.port());
  TestClient viewer(h.port());
  viewer.send(hello(ClientRole::viewer));
  viewer.send({{}, Subscribe{}});
  ASSERT_TRUE(viewer.next_of(MessageType::metadata).has_value());
  EXPECT_TRUE(silent.closed_within(5s));
  std::this_thread::sleep_for(500ms);
  EXPECT_FALSE(viewer.closed_within(100ms));
  EXPECT_EQ(h.server->stats().connections, 1u);
}

TEST(TelemetryServer, ADisconnectMidMessageIsHarmless) {
  ServerHarness h;
  PushingWorld world(6);
  {
    TestClient c(h.port());
    std::vector<uint8_t> bytes = encode({{1, 0, 0}, testing::camera_frame(world.render())});
    bytes.resize(bytes.size() / 2);
    c.send_bytes(bytes);
    std::this_thread::sleep_for(50ms);
  }
  TestClient next(h.port());
  send_step(next, world, 1);
  EXPECT_TRUE(next.next_of(MessageType::prediction).has_value());
  for (int i = 0; i < 100 && h.server->stats().connections != 1; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(h.server->stats().connections, 1u);
}

TEST(TelemetryServer, AConfiguredTokenIsRequired) {
  TelemetryServerOptions opt;
  opt.token = "s3cret";
  ServerHarness h(opt);
  PushingWorld world(1);
  TestClient early(h.port());
  early.send({{1, 0, 0}, testing::telemetry_of(world)});
  expect_error(early, ErrorCode::unauthorized);
  EXPECT_TRUE(early.closed_within(5s));

  TestClient wrong(h.port());
  wrong.send(hello(ClientRole::sender, "guess"));
  expect_error(wrong, ErrorCode::unauthorized);
  EXPECT_TRUE(wrong.closed_within(5s));

  TestClient right(h.port());
  right.send(hello(ClientRole::sender, "s3cret"));
  EXPECT_TRUE(right.next_of(MessageType::metadata).has_value());

  Envelope old = hello(ClientRole::sender, "s3cret");
  std::get<Hello>(old.body).protocol_version = 2;
  TestClient future(h.port());
  future.send(old);
  expect_error(future, ErrorCode::bad_version);
  EXPECT_TRUE(future.closed_within(5s));
}

TEST(TelemetryServer, ViewersGetWhatTheySubscribedToAndCannotSendSteps) {
  SessionOptions so;
  so.samples = 2;
  ServerHarness h({}, so);
  TestClient viewer(h.port());
  viewer.send(hello(ClientRole::viewer));
  Subscribe sub;
  sub.want_samples = false;
  viewer.send({{}, sub});
  ASSERT_TRUE(viewer.next_of(MessageType::metadata).has_value());
  PushingWorld world(8);
  viewer.send({{1, 0, 0}, testing::telemetry_of(world)});
  expect_error(viewer, ErrorCode::unexpected_message);

  TestClient sender(h.port());
  send_step(sender, world, 1);
  std::vector<int32_t> got;
  for (int i = 0; i < 4; ++i) {  // samples 0 and 1, mean, std
    auto m = sender.next_of(MessageType::prediction);
    ASSERT_TRUE(m.has_value());
    got.push_back(std::get<Prediction>(m->body).sample);
  }
  EXPECT_EQ(got, (std::vector<int32_t>{0, 1, -1, -2}));
  std::vector<int32_t> seen;
  for (int i = 0; i < 2; ++i) {
    auto m = viewer.next_of(MessageType::prediction);
    ASSERT_TRUE(m.has_value());
    seen.push_back(std::get<Prediction>(m->body).sample);
  }
  EXPECT_EQ(seen, (std::vector<int32_t>{-1, -2}));
}

TEST(TelemetryServer, AViewerThatStopsReadingDoesNotGrowMemory) {
  TelemetryServerOptions opt;
  opt.max_queued_predictions = 4;
  opt.send_buffer_bytes = 4096;
  opt.write_timeout = 60s;
  ServerHarness h(opt);
  TestClient viewer(h.port(), 4096);
  viewer.send(hello(ClientRole::viewer));
  viewer.send({{}, Subscribe{}});
  TestClient sender(h.port());
  PushingWorld world(9);
  size_t max_queued = 0;
  for (uint64_t s = 1; s <= 60; ++s) {
    send_step(sender, world, s);
    ASSERT_TRUE(sender.next_of(MessageType::prediction).has_value()) << s;
    max_queued = std::max(max_queued, h.server->stats().queued_messages);
  }
  EXPECT_GT(h.metrics.predictions_shed.load(), 0u);
  EXPECT_LE(max_queued, 4u + 1u + 2u);  // viewer's predictions + its METADATA + the sender's
  EXPECT_LT(h.server->stats().queued_bytes, 256u * 1024u);
}

TEST(TelemetryServer, AStalledViewerIsClosedAfterTheWriteTimeout) {
  TelemetryServerOptions opt;
  opt.send_buffer_bytes = 4096;
  opt.write_timeout = 300ms;
  SessionOptions so;
  so.samples = 4;  // six images a step fill the socket buffers sooner
  ServerHarness h(opt, so);
  TestClient viewer(h.port(), 4096);
  viewer.send(hello(ClientRole::viewer));
  viewer.send({{}, Subscribe{}});
  TestClient sender(h.port());
  PushingWorld world(10);
  for (uint64_t s = 1; s <= 150; ++s) {
    send_step(sender, world, s);
    ASSERT_TRUE(sender.next_of(MessageType::prediction).has_value()) << s;
    if (s > 1 && h.server->stats().connections == 1) break;  // the viewer is gone
  }
  for (int i = 0; i < 200 && h.server->stats().connections != 1; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(h.server->stats().connections, 1u);
}

TEST(TelemetryServer, ByeClosesAfterTheRepliesAndListeningOnABusyPortFails) {
  ServerHarness h;
  TestClient c(h.port());
  c.send(hello());
  c.send({{}, Bye{}});
  EXPECT_TRUE(c.next_of(MessageType::metadata).has_value());
  EXPECT_TRUE(c.closed_within(5s));

  boost::asio::io_context io;
  TelemetryServerOptions busy;
  busy.port = h.port();
  EXPECT_THROW(TelemetryServer(io, busy, *h.session), std::runtime_error);
}

// The ERROR for a message whose header was read echoes its seq, whichever layer refused it.
TEST(TelemetryServer, ErrorsEchoTheSeqOfTheOffendingMessage) {
  ServerHarness h;
  TestClient c(h.port());
  PushingWorld world(2);
  std::vector<uint8_t> nan = encode({{41, 0, 0}, testing::telemetry_of(world)});
  set_u32(nan, kHeaderSize + 8, 0x7fc00000u);  // action[0] = NaN
  c.send_bytes(nan);
  auto e = c.next_of(MessageType::error);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(std::get<ErrorMessage>(e->body).code, ErrorCode::non_finite);
  EXPECT_EQ(e->header.seq, 41u);

  std::vector<uint8_t> cut = encode({{42, 0, 0}, testing::telemetry_of(world)});
  cut.pop_back();  // the payload no longer holds its last float
  set_u32(cut, 24, static_cast<uint32_t>(cut.size() - kHeaderSize));
  c.send_bytes(cut);
  e = c.next_of(MessageType::error);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(std::get<ErrorMessage>(e->body).code, ErrorCode::malformed_payload);
  EXPECT_EQ(e->header.seq, 42u);

  TestClient j(h.port());
  j.send_line(R"({"type":"telemetry","seq":43,"action":[1e39,0,0,1],"position":[0,0,0]})");
  auto line = j.next_line();
  ASSERT_TRUE(line.has_value());
  const Envelope err = parse_json_line(*line);
  EXPECT_EQ(std::get<ErrorMessage>(err.body).code, ErrorCode::non_finite);
  EXPECT_EQ(err.header.seq, 43u);
}

// A sender that sent TELEMETRY without FRAMEs and left (a robot that crashed) leaves nothing that
// holds back the next sender, whatever its seq.
TEST(TelemetryServer, HalfStepsOfASenderThatLeftDoNotStarveTheNext) {
  ServerHarness h;
  PushingWorld world(3);
  {
    TestClient crashed(h.port());
    for (uint64_t s = 21; s <= 24; ++s) crashed.send({{s, 0, 0}, testing::telemetry_of(world)});
    expect_alive(crashed);  // all four were taken in
  }
  TestClient restarted(h.port());
  for (uint64_t s = 1; s <= 3; ++s) {
    send_step(restarted, world, s);
    auto m = restarted.next_of(MessageType::prediction);
    ASSERT_TRUE(m.has_value()) << s;
    EXPECT_EQ(std::get<Prediction>(m->body).frame_seq, s);
  }
  for (int i = 0; i < 100 && h.metrics.orphans_removed.load() < 4; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(h.metrics.orphans_removed.load(), 4u);
}

// Two robots on one daemon: each has its own steps and state and gets its own predictions; one's
// TELEMETRY and the other's FRAME with the same seq make no step.
TEST(TelemetryServer, TwoSendersAtOnceEachGetTheirOwnPredictions) {
  ServerHarness h;
  TestClient a(h.port()), b(h.port());
  PushingWorld wa(3), wb(4);
  a.send({{50, 0, 0}, testing::telemetry_of(wa)});
  b.send({{50, 0, 0}, testing::camera_frame(wb.render())});
  for (uint64_t s = 1; s <= 3; ++s) {
    send_step(a, wa, s);
    send_step(b, wb, 100 + s);
    auto pa = a.next_of(MessageType::prediction);
    auto pb = b.next_of(MessageType::prediction);
    ASSERT_TRUE(pa && pb) << s;
    EXPECT_EQ(std::get<Prediction>(pa->body).frame_seq, s);
    EXPECT_EQ(std::get<Prediction>(pb->body).frame_seq, 100 + s);
  }
  EXPECT_EQ(h.metrics.resets.load(), 2u);  // one per sender, none from the other's steps
  EXPECT_EQ(h.metrics.steps_predicted.load(), 6u);
}

// A PLAN rollout with samples is many messages at once (here 16 horizons x (2 samples + mean +
// std) = 64, twice the per-client queue): a client that reads gets all of them.
TEST(TelemetryServer, ARolloutArrivesWhole) {
  SessionOptions so;
  so.samples = 2;
  ServerHarness h({}, so, {}, ".pt");
  TestClient c(h.port());
  PushingWorld world(5);
  Plan plan;
  for (int i = 0; i < 15; ++i) plan.steps.push_back({{0.01f, 0, 0, 1}, {0, 0, 0.1f}});
  c.send({{1, 0, 0}, plan});
  send_step(c, world, 1);
  std::set<std::pair<uint32_t, int32_t>> got;
  for (int i = 0; i < 64; ++i) {
    auto m = c.next_of(MessageType::prediction);
    ASSERT_TRUE(m.has_value()) << "after " << got.size() << " predictions";
    const auto& p = std::get<Prediction>(m->body);
    got.insert({p.k, p.sample});
  }
  EXPECT_EQ(got.size(), 64u);
  EXPECT_EQ(got.begin()->first, 1u);
  EXPECT_EQ(got.rbegin()->first, 16u);
  EXPECT_EQ(h.metrics.predictions_shed.load(), 0u);
}

// A small PNG or JPEG whose header claims 12000 x 12000 pixels is refused from its header: an
// ERROR naming the limit, no 432 MB decode, the connection and the daemon stay up.
TEST(TelemetryServer, ImagesLargerThanTheFrameLimitAreRefusedBeforeDecoding) {
  ServerHarness h;
  TestClient c(h.port());
  for (auto bytes : {testing::png_claiming(12000, 12000), testing::jpeg_claiming(12000, 12000)}) {
    Frame bomb;
    bomb.image.encoding = bytes[0] == 0x89 ? ImageEncoding::png : ImageEncoding::jpeg;
    bomb.image.bytes = bytes;
    c.send({{7, 0, 0}, bomb});
    auto e = c.next_of(MessageType::error);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(std::get<ErrorMessage>(e->body).code, ErrorCode::malformed_payload);
    EXPECT_NE(std::get<ErrorMessage>(e->body).message.find("--max-frame-pixels"), std::string::npos)
        << std::get<ErrorMessage>(e->body).message;
    EXPECT_EQ(e->header.seq, 7u);
  }
  expect_alive(c);
  EXPECT_EQ(h.metrics.frames_in.load(), 0u);
}

}  // namespace
}  // namespace foresight

namespace foresight {
namespace {

// What a peer sends reaches the log as one line of ours, naming the peer by its address: a
// client name with a newline and a terminal escape cannot forge a second log line.
TEST(TelemetryServer, LogLinesNameThePeerAndEscapeWhatItSent) {
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  {
    ServerHarness h;
    TestClient c(h.port());
    Envelope evil = hello();
    std::get<Hello>(evil.body).client_name = "robot\n[info] forged\x1b[2J";
    c.send(evil);
    ASSERT_TRUE(c.next_of(MessageType::metadata).has_value());
  }
  spdlog::set_default_logger(previous);
  const std::string log = captured.str();
  const auto at = log.find("hello from");
  ASSERT_NE(at, std::string::npos) << log;
  const std::string line =
      log.substr(log.rfind('\n', at) + 1, log.find('\n', at) - log.rfind('\n', at) - 1);
  EXPECT_NE(line.find("127.0.0.1:"), std::string::npos) << line;
  EXPECT_NE(line.find("robot\\x0a[info] forged\\x1b[2J"), std::string::npos) << line;
  EXPECT_EQ(log.find("\n[info] forged"), std::string::npos) << log;
}

}  // namespace
}  // namespace foresight

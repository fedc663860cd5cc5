// End to end: the daemon's pieces in one process on an ephemeral port with an exported model; a
// client streams 20 steps of the live pushing world (or, for a pose model, of the dance world)
// and gets 20 predictions back.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "common/world/dance_world.hpp"
#include "server_harness.hpp"
#include "session_helpers.hpp"
#include "test_client.hpp"

namespace foresight {
namespace {

class EndToEnd : public ::testing::TestWithParam<std::string> {};

TEST_P(EndToEnd, TwentyStepsGiveTwentyPredictions) {
  testing::ServerHarness h({}, {}, {}, GetParam());
  testing::TestClient c(h.port());
  Hello hello;
  hello.client_name = "e2e";
  c.send({{0, 0, 0}, hello});
  ASSERT_TRUE(c.next_of(MessageType::metadata).has_value());

  PushingWorld world(21);
  std::vector<uint64_t> seqs;
  for (uint64_t s = 1; s <= 20; ++s) {
    c.send({{s, s * 100, 0}, testing::camera_frame(world.render())});
    c.send({{s, s * 100, 0}, testing::telemetry_of(world)});
    world.step();
    auto m = c.next_of(MessageType::prediction);
    ASSERT_TRUE(m.has_value()) << s;
    const auto& p = std::get<Prediction>(m->body);
    seqs.push_back(p.frame_seq);
    cv::Mat img = cv::imdecode(p.image.bytes, cv::IMREAD_COLOR);
    ASSERT_EQ(img.cols, 64);
    ASSERT_EQ(img.rows, 64);
  }
  std::vector<uint64_t> want(20);
  for (uint64_t i = 0; i < 20; ++i) want[i] = i + 1;
  EXPECT_EQ(seqs, want);
  EXPECT_EQ(h.metrics.steps_predicted.load(), 20u);
  EXPECT_EQ(h.metrics.resets.load(), 1u);
  EXPECT_EQ(h.hub.psnr_history().size(), 19u);
  EXPECT_TRUE(h.hub.latest("sidebyside").has_value());
}

INSTANTIATE_TEST_SUITE_P(Formats, EndToEnd, ::testing::Values(".ptl", ".pt"),
                         [](const auto& info) { return info.param == ".ptl" ? "Lite" : "Full"; });

class PoseEndToEnd : public ::testing::TestWithParam<std::string> {};

// A pose sender: each step is the camera frame and, as a label FRAME with the same seq, the pose
// image of the frame that follows.
TEST_P(PoseEndToEnd, TwentyPoseStepsGiveTwentyPredictions) {
  testing::ServerHarness h(testing::tiny_pose_model(GetParam()), {}, {});
  testing::TestClient c(h.port());
  Hello hello;
  hello.client_name = "e2e-pose";
  c.send({{0, 0, 0}, hello});
  auto meta = c.next_of(MessageType::metadata);
  ASSERT_TRUE(meta.has_value());
  const nlohmann::json& model = std::get<Metadata>(meta->body).model;
  EXPECT_EQ(model.value("condition_kind", ""), "pose");
  EXPECT_EQ(model.value("image_height", 0), 32);

  DanceWorld world(5);
  std::vector<uint64_t> seqs;
  for (uint64_t s = 1; s <= 20; ++s) {
    DanceWorld next = world;
    next.step();
    Frame label = testing::camera_frame(next.render_label());
    label.kind = FrameKind::label;
    c.send({{s, s * 100, 0}, testing::camera_frame(world.render_frame())});
    c.send({{s, s * 100, 0}, label});
    world = next;
    auto m = c.next_of(MessageType::prediction);
    ASSERT_TRUE(m.has_value()) << s;
    const auto& p = std::get<Prediction>(m->body);
    seqs.push_back(p.frame_seq);
    cv::Mat img = cv::imdecode(p.image.bytes, cv::IMREAD_COLOR);
    ASSERT_EQ(img.cols, 64);
    ASSERT_EQ(img.rows, 32);
  }
  std::vector<uint64_t> want(20);
  for (uint64_t i = 0; i < 20; ++i) want[i] = i + 1;
  EXPECT_EQ(seqs, want);
  EXPECT_EQ(h.metrics.steps_predicted.load(), 20u);
  EXPECT_EQ(h.metrics.labels_in.load(), 20u);
  EXPECT_EQ(h.metrics.resets.load(), 1u);
  EXPECT_EQ(h.hub.psnr_history().size(), 19u);
  for (const char* view : {"camera", "pose", "prediction", "uncertainty", "sidebyside"}) {
    EXPECT_TRUE(h.hub.latest(view).has_value()) << view;
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, PoseEndToEnd, ::testing::Values(".ptl", ".pt"),
                         [](const auto& info) { return info.param == ".ptl" ? "Lite" : "Full"; });

}  // namespace
}  // namespace foresight
